#!/usr/bin/env bash
# Builds what the image prototypes load, into ui/prototypes/assets/ (ignored by git): the
# 10,000 x 10,000 JPEG, its Deep Zoom (DZI) tile pyramid for the OpenSeadragon variant (512 px
# tiles, made with libvips as a stand-in for the Rust tiler that does not exist), and the
# libraries (npm install into assets/npm, outside the app's package.json).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p assets/vendor
cd assets
if [ ! -f big.jpg ]; then
  boxes=$(python3 -c "
import random; random.seed(1)
print(' '.join(f'rectangle {x},{y} {x+random.randint(20,400)},{y+random.randint(20,400)}' for x, y in [(random.randint(0,9600), random.randint(0,9600)) for _ in range(3000)]))")
  convert -size 10000x10000 -define gradient:angle=45 gradient:'#203050-#c0a080' -fill '#ffffff40' -draw "$boxes" -quality 85 big.jpg
fi
if [ ! -d npm/node_modules/konva ]; then
  mkdir -p npm && (cd npm && npm init -y >/dev/null && npm install --no-audit --no-fund konva@10.9.1 openseadragon@6.1.1 @annotorious/openseadragon@3.8.10 sharp@0.34)
fi
# The tile pyramid, with libvips through sharp (ImageMagick's default resource policy refuses a
# 100-megapixel pixel cache here).
if [ ! -f big.dzi ]; then
  node -e "require('./npm/node_modules/sharp')('big.jpg', { limitInputPixels: false }).jpeg({ quality: 85 })
    .tile({ size: 512, overlap: 0, layout: 'dz' }).toFile('big.dz')"
fi
cp npm/node_modules/konva/konva.min.js npm/node_modules/openseadragon/build/openseadragon/openseadragon.min.js \
  npm/node_modules/@annotorious/openseadragon/dist/annotorious-openseadragon.js \
  npm/node_modules/@annotorious/openseadragon/dist/annotorious-openseadragon.css vendor/
