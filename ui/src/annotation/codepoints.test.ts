import { describe, expect, it } from "vitest";
import { codePointSlice, codePointToUtf16, OffsetMap, snapRange, utf16ToCodePoint } from "./codepoints";

/** Python's `len(text)` and `text[start:end]`, for the expectations. */
const pyLen = (text: string) => Array.from(text).length;
const pySlice = (text: string, start: number, end: number) => Array.from(text).slice(start, end).join("");

describe("code point offsets", () => {
  const cases: Array<[string, string, string]> = [
    ["emoji", "I 😀 like Paris", "Paris"],
    ["ZWJ family and flag", "👩‍👩‍👧 and 🇫🇷 went to Lyon", "Lyon"],
    ["CJK (BMP) and astral CJK", "東京と𠮷野家で会う", "会う"],
    ["combining marks", "cafe\u0301 Zoë na\u0308ive Bob", "Bob"],
    ["RTL Hebrew and Arabic", "שלום עולם مرحبا Dana", "Dana"],
    ["CRLF", "line one\r\nline two: Eve", "Eve"],
  ];
  for (const [name, text, entity] of cases) {
    it(`converts both ways over ${name}`, () => {
      const map = new OffsetMap(text);
      const utf16Start = text.indexOf(entity);
      const start = map.toCodePoint(utf16Start);
      const end = map.toCodePoint(utf16Start + entity.length);
      expect(pySlice(text, start, end)).toBe(entity);
      expect(map.slice(start, end)).toBe(entity);
      expect(map.toUtf16(start)).toBe(utf16Start);
      expect(map.codePointLength).toBe(pyLen(text));
      expect(utf16ToCodePoint(text, text.length)).toBe(pyLen(text));
      expect(codePointToUtf16(text, pyLen(text))).toBe(text.length);
    });
  }

  it("counts CRLF as two code points and a ZWJ sequence as all of its code points", () => {
    expect(utf16ToCodePoint("a\r\nb", 3)).toBe(3);
    const family = "👩‍👩‍👧"; // 3 emoji + 2 ZWJ = 5 code points, 8 UTF-16 units
    expect(family.length).toBe(8);
    expect(utf16ToCodePoint(`${family}x`, 8)).toBe(5);
    expect(codePointSlice(`${family}x`, 5, 6)).toBe("x");
  });

  it("rounds an offset inside a surrogate pair up to the next code point, and clamps", () => {
    expect(utf16ToCodePoint("😀a", 1)).toBe(1);
    expect(utf16ToCodePoint("😀a", 99)).toBe(2);
    expect(codePointToUtf16("😀a", -3)).toBe(0);
  });
});

describe("snapRange", () => {
  it("grows a range that cuts a grapheme to the whole grapheme", () => {
    const text = "x👩‍💻y";
    // Start in the middle of the ZWJ sequence (after the first emoji).
    expect(snapRange(text, 3, 4, "symbol")).toEqual({ start: 1, end: 6 });
    const combining = "Zoe\u0308 et";
    expect(snapRange(combining, 0, 3, "symbol")).toEqual({ start: 0, end: 4 });
  });

  it("snaps to words and trims white space with word granularity", () => {
    const text = "The quick brown fox";
    expect(snapRange(text, 5, 12, "word")).toEqual({ start: 4, end: 15 }); // "quick brown"
    expect(snapRange(text, 3, 4, "word")).toBeNull(); // only a space
    expect(snapRange("Tōkyō, Japan", 2, 3, "word")).toEqual({ start: 0, end: 5 });
  });

  it("keeps an exact selection with symbol granularity", () => {
    expect(snapRange("The quick brown fox", 5, 12, "symbol")).toEqual({ start: 5, end: 12 });
  });
});
