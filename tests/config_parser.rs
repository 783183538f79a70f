//! The config parser through its public API: the typed tree for common configs, every error with
//! its line and column, warnings, and the hostile-input guards.

use gloss::config::{
    ChoiceOption, ConfigError, ControlKind, LayoutNode, ObjectKind, ParsedConfig,
    TEXT_CLASSIFICATION_TEMPLATE, TaxonomyOption, TextGranularity, parse_config,
};

fn parse_ok(xml: &str) -> ParsedConfig {
    match parse_config(xml) {
        Ok(parsed) => parsed,
        Err(error) => panic!("expected the config to parse, got {error}\n{xml}"),
    }
}

fn parse_err(xml: &str) -> ConfigError {
    match parse_config(xml) {
        Ok(parsed) => panic!("expected an error, got {parsed:#?}"),
        Err(error) => error,
    }
}

/// Asserts the error's position and that its message contains `needle`.
#[track_caller]
fn assert_error(xml: &str, line: u32, column: u32, needle: &str) {
    let error = parse_err(xml);
    assert!(
        error.message.contains(needle),
        "message {:?} does not contain {needle:?}",
        error.message
    );
    assert_eq!(
        (error.line, error.column),
        (line, column),
        "position of {error}"
    );
}

fn warning_messages(parsed: &ParsedConfig) -> Vec<String> {
    parsed.warnings.iter().map(ToString::to_string).collect()
}

// ---------------------------------------------------------------- typed tree

#[test]
fn text_classification_template_parses_into_the_typed_tree() {
    let parsed = parse_ok(TEXT_CLASSIFICATION_TEMPLATE);
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let interface = parsed.interface;
    assert_eq!(interface.data_fields(), vec!["text".to_string()]);
    let text = interface.object("text").unwrap();
    assert_eq!(text.value, "$text");
    assert_eq!(
        text.kind,
        ObjectKind::Text {
            granularity: TextGranularity::Symbol
        }
    );
    assert_eq!((text.position.line, text.position.column), (2, 3));
    let sentiment = interface.control("sentiment").unwrap();
    assert_eq!(sentiment.to_name, vec!["text"]);
    assert!(sentiment.required);
    assert!(!sentiment.per_region);
    let ControlKind::Choices {
        multiple,
        show_inline,
        options,
        dynamic_options_field,
    } = &sentiment.kind
    else {
        panic!("not choices: {:?}", sentiment.kind)
    };
    assert!(!multiple);
    assert!(show_inline);
    assert_eq!(dynamic_options_field, &None);
    let values: Vec<&str> = options.iter().map(|option| option.value.as_str()).collect();
    assert_eq!(values, ["Positive", "Negative", "Neutral"]);
    assert_eq!(
        interface.root,
        LayoutNode::View {
            style: None,
            class_name: None,
            visible_when: None,
            children: vec![
                LayoutNode::Object {
                    name: "text".into()
                },
                LayoutNode::Control {
                    name: "sentiment".into()
                },
            ],
        }
    );
}

#[test]
fn ner_config_with_hotkeys_aliases_and_max_usages() {
    let parsed = parse_ok(
        r##"<View>
  <Labels name="label" toName="text" choice="multiple">
    <Label value="Person" hotkey="p" background="#ff0000" alias="PER"/>
    <Label value="Organisation" hotkey="o" maxUsages="3"/>
  </Labels>
  <Text name="text" value="$text" granularity="word"/>
</View>"##,
    );
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    let control = parsed.interface.control("label").unwrap();
    let ControlKind::Labels { multiple, labels } = &control.kind else {
        panic!("{:?}", control.kind)
    };
    assert!(multiple);
    assert_eq!(labels[0].hotkey.as_deref(), Some("p"));
    assert_eq!(labels[0].background.as_deref(), Some("#ff0000"));
    assert_eq!(labels[0].result_value(), "PER");
    assert_eq!(labels[1].max_usages, Some(3));
    assert_eq!(labels[1].result_value(), "Organisation");
    assert_eq!(
        parsed.interface.object("text").unwrap().kind,
        ObjectKind::Text {
            granularity: TextGranularity::Word
        }
    );
}

#[test]
fn hotkey_conflict_is_a_warning_naming_both_options() {
    let parsed = parse_ok(
        r#"<View>
  <Text name="text" value="$text"/>
  <Labels name="label" toName="text">
    <Label value="Person" hotkey="p"/>
  </Labels>
  <Choices name="kind" toName="text">
    <Choice value="Positive" hotkey="P"/>
  </Choices>
</View>"#,
    );
    let warnings = warning_messages(&parsed);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].starts_with("7:5: warning: "), "{warnings:?}");
    assert!(warnings[0].contains("Person") && warnings[0].contains("Positive"));
}

#[test]
fn taxonomy_keeps_its_tree() {
    let parsed = parse_ok(
        r#"<View><Text name="text" value="$text"/>
<Taxonomy name="taxonomy" toName="text">
  <Choice value="Archaea"/>
  <Choice value="Eukarya"><Choice value="Human"/><Choice value="Opossum"/></Choice>
</Taxonomy></View>"#,
    );
    let ControlKind::Taxonomy { options } = &parsed.interface.control("taxonomy").unwrap().kind
    else {
        panic!()
    };
    let leaf = |value: &str| TaxonomyOption {
        value: value.into(),
        children: vec![],
    };
    assert_eq!(
        options,
        &vec![
            leaf("Archaea"),
            TaxonomyOption {
                value: "Eukarya".into(),
                children: vec![leaf("Human"), leaf("Opossum")],
            },
        ]
    );
}

#[test]
fn ranker_with_buckets_on_a_list() {
    let parsed = parse_ok(
        r#"<View>
  <List name="answers" value="$items" title="All results"/>
  <Ranker name="rank" toName="answers">
    <Bucket name="relevant" title="Relevant"/>
    <Bucket name="biased"/>
  </Ranker>
</View>"#,
    );
    let interface = parsed.interface;
    assert_eq!(
        interface.object("answers").unwrap().kind,
        ObjectKind::List {
            title: Some("All results".into())
        }
    );
    let ControlKind::Ranker { buckets } = &interface.control("rank").unwrap().kind else {
        panic!()
    };
    assert_eq!(buckets.len(), 2);
    assert_eq!(buckets[0].name, "relevant");
    assert_eq!(buckets[0].title.as_deref(), Some("Relevant"));
    assert_eq!(buckets[1].title, None);
}

#[test]
fn pairwise_between_two_texts_with_spaces_in_to_name() {
    let parsed = parse_ok(
        r#"<View><Text name="a" value="$a"/><Text name="b" value="$b"/>
<Pairwise name="pick" toName="a, b"/></View>"#,
    );
    let pairwise = parsed.interface.control("pick").unwrap();
    assert_eq!(pairwise.kind, ControlKind::Pairwise);
    assert_eq!(pairwise.to_name, vec!["a", "b"]);
}

#[test]
fn collapse_panels_header_style_and_literal_values() {
    let parsed = parse_ok(
        r#"<View style="display: flex">
  <Style>.x { color: red }</Style>
  <Collapse>
    <Panel value="Source">
      <Header value="Read $title" size="3"/>
      <Text name="text" value="$text"/>
    </Panel>
    <Panel value="Notes"><Header>Literal heading</Header></Panel>
  </Collapse>
  <Text name="instructions" value="Read carefully &amp; slowly"/>
</View>"#,
    );
    let LayoutNode::View {
        style, children, ..
    } = &parsed.interface.root
    else {
        panic!()
    };
    assert_eq!(style.as_deref(), Some("display: flex"));
    assert_eq!(
        children[0],
        LayoutNode::Style {
            css: ".x { color: red }".into()
        }
    );
    let LayoutNode::Collapse { sections } = &children[1] else {
        panic!("{:?}", children[1])
    };
    assert_eq!(sections.len(), 2);
    assert_eq!(sections[0].title, "Source");
    assert_eq!(
        sections[0].children[0],
        LayoutNode::Header {
            value: "Read $title".into(),
            size: Some(3)
        }
    );
    assert_eq!(
        sections[1].children[0],
        LayoutNode::Header {
            value: "Literal heading".into(),
            size: None
        }
    );
    let instructions = parsed.interface.object("instructions").unwrap();
    assert_eq!(instructions.value, "Read carefully & slowly");
    assert_eq!(instructions.data_field, None);
    assert_eq!(parsed.interface.data_fields(), vec!["text".to_string()]);
}

#[test]
fn other_controls_and_audio_plus_alias() {
    let parsed = parse_ok(
        r#"<View>
  <AudioPlus name="audio" value="$audio"/>
  <Image name="image" value="$image" zoom="true"/>
  <Paragraphs name="dialogue" value="$dialogue" layout="dialogue" nameKey="speaker"/>
  <HyperText name="html" value="$html" inline="true"/>
  <Chat name="chat" value="$chat"/>
  <TextArea name="transcript" toName="audio" rows="4" maxSubmissions="1" editable="true" placeholder="Type">
    <Shortcut value="[noise]" hotkey="n"/>
  </TextArea>
  <Rating name="rating" toName="audio" maxRating="10" perRegion="true"/>
  <Number name="count" toName="image" min="0" max="100" step="0.5"/>
  <DateTime name="when" toName="image" only="date"/>
  <RectangleLabels name="boxes" toName="image"><Label value="Car"/></RectangleLabels>
  <PolygonLabels name="polygons" toName="image"><Label value="Road"/></PolygonLabels>
  <KeyPointLabels name="points" toName="image"><Label value="Eye"/></KeyPointLabels>
  <Choices name="quality" toName="html" value="$options"/>
  <Relations><Relation value="is part of"/></Relations>
</View>"#,
    );
    let interface = &parsed.interface;
    assert_eq!(interface.object("audio").unwrap().kind, ObjectKind::Audio);
    assert_eq!(
        interface.object("image").unwrap().kind,
        ObjectKind::Image { zoom: true }
    );
    assert_eq!(
        interface.object("dialogue").unwrap().kind,
        ObjectKind::Paragraphs {
            dialogue_layout: true,
            name_key: "speaker".into(),
            text_key: "text".into()
        }
    );
    assert_eq!(
        interface.control("transcript").unwrap().kind,
        ControlKind::TextArea {
            placeholder: Some("Type".into()),
            rows: Some(4),
            max_submissions: Some(1),
            editable: true,
            shortcuts: vec![ChoiceOption {
                value: "[noise]".into(),
                alias: None,
                hotkey: Some("n".into()),
                background: None,
                html: None
            }],
        }
    );
    let rating = interface.control("rating").unwrap();
    assert_eq!(rating.kind, ControlKind::Rating { max_rating: 10 });
    assert!(rating.per_region);
    assert_eq!(
        interface.control("count").unwrap().kind,
        ControlKind::Number {
            min: Some(0.0),
            max: Some(100.0),
            step: Some(0.5)
        }
    );
    assert_eq!(
        interface.control("when").unwrap().kind,
        ControlKind::DateTime {
            only: Some("date".into())
        }
    );
    let ControlKind::Choices {
        dynamic_options_field,
        ..
    } = &interface.control("quality").unwrap().kind
    else {
        panic!()
    };
    assert_eq!(dynamic_options_field.as_deref(), Some("options"));
    let relations = interface.control("relations").unwrap();
    assert_eq!(
        relations.kind,
        ControlKind::Relations {
            labels: vec!["is part of".into()]
        }
    );
    assert!(relations.to_name.is_empty());
    assert_eq!(interface.controls.len(), 9);
}

#[test]
fn comments_after_the_root_and_an_xml_declaration_are_fine() {
    parse_ok(
        "<?xml version=\"1.0\"?>\n  <View><Text name=\"t\" value=\"$t\"/></View>\n<!-- {\"data\": {}} -->\n",
    );
}

// ---------------------------------------------------------------- warnings

#[test]
fn unknown_attribute_is_a_warning_naming_tag_and_attribute() {
    let parsed = parse_ok(
        r#"<View>
  <Text name="text" value="$text"/>
  <Choices name="c" toName="text" foo="bar"><Choice value="A"/></Choices>
</View>"#,
    );
    assert_eq!(
        warning_messages(&parsed),
        ["3:3: warning: unknown attribute \"foo\" on <Choices>; it is ignored"]
    );
}

#[test]
fn accepted_attributes_not_applied_yet_are_warned_about() {
    let parsed = parse_ok(
        r#"<View visibleWhen="choice-selected"><Text name="text" value="$text"/>
<Choices name="c" toName="text" showInLine="true" layout="vertical"><Choice value="A"/></Choices></View>"#,
    );
    let warnings = warning_messages(&parsed);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].starts_with(
        "1:1: warning: attribute \"visibleWhen\" on <View> is accepted but not applied yet"
    ));
    assert!(warnings[1].contains("\"layout\" on <Choices> is accepted but not applied yet"));
    // `showInLine` is Label Studio's other spelling of `showInline`; it is applied.
    let ControlKind::Choices { show_inline, .. } = &parsed.interface.control("c").unwrap().kind
    else {
        panic!()
    };
    assert!(show_inline);
}

// ---------------------------------------------------------------- errors

#[test]
fn error_display_is_line_colon_column_colon_message() {
    let error = parse_err("<View>\n  <Foo/>\n</View>");
    assert_eq!(error.to_string(), "2:3: unknown tag <Foo>");
}

#[test]
fn unsupported_tag_is_an_error_with_its_position() {
    assert_error(
        "<View>\n  <Text name=\"t\" value=\"$t\"/>\n    <Video name=\"v\" value=\"$v\"/>\n</View>",
        3,
        5,
        "unsupported tag <Video> (video is not supported yet)",
    );
    assert_error(
        r#"<View><TimeSeries name="ts" value="$ts"/></View>"#,
        1,
        7,
        "unsupported tag <TimeSeries> (time series is not supported yet)",
    );
}

#[test]
fn tag_names_are_case_sensitive() {
    assert_error(
        r#"<View><text name="t" value="$t"/></View>"#,
        1,
        7,
        "unknown tag <text> (tag names are case-sensitive: did you mean <Text>?)",
    );
}

#[test]
fn column_is_counted_in_characters_on_a_long_line() {
    // "é" is two bytes; the column counts it as one character.
    assert_error(
        r#"<View><Header value="é"/><Text name="t" value="$t"/><Foo/></View>"#,
        1,
        53,
        "unknown tag <Foo>",
    );
}

#[test]
fn malformed_xml_is_an_error() {
    let error = parse_err("<View>\n  <Text name=\"t\" value=\"$t\">\n</View>");
    assert!(error.message.starts_with("not well-formed XML"), "{error}");
    assert_eq!(error.line, 3);
    assert_error(
        "<View>\n  <Text name=\"t\" value=\"$t\"/>\n",
        1,
        1,
        "<View> is never closed",
    );
}

#[test]
fn root_must_be_view() {
    assert_error(
        "\n<Text name=\"t\" value=\"$t\"/>",
        2,
        1,
        "root element must be <View>, not <Text>",
    );
}

#[test]
fn more_than_one_root_element_is_an_error() {
    assert_error(
        "<View><Text name=\"t\" value=\"$t\"/></View>\n<View></View>",
        2,
        1,
        "more than one root element",
    );
}

#[test]
fn meaningless_text_is_an_error() {
    assert_error(
        "<View>\n  hello\n  <Text name=\"t\" value=\"$t\"/></View>",
        1,
        7,
        "text \"hello\" inside <View> means nothing here",
    );
    assert_error(
        "<View><Text name=\"t\" value=\"$t\"/></View> trailing",
        1,
        41,
        "text \"trailing\" outside the root",
    );
}

#[test]
fn to_name_must_name_an_object_tag() {
    assert_error(
        "<View>\n<Text name=\"t\" value=\"$t\"/>\n<Choices name=\"c\" toName=\"missing\"><Choice value=\"A\"/></Choices></View>",
        3,
        1,
        "toName \"missing\" on <Choices name=\"c\"> names no object tag",
    );
    assert_error(
        "<View><Text name=\"t\" value=\"$t\"/>\n<TextArea name=\"a\" toName=\"t\"/><Rating name=\"r\" toName=\"a\"/></View>",
        2,
        32,
        "names a control tag, not an object tag",
    );
}

#[test]
fn duplicate_name_is_an_error() {
    assert_error(
        "<View><Text name=\"t\" value=\"$t\"/>\n  <Rating name=\"t\" toName=\"t\"/></View>",
        2,
        3,
        "duplicate name \"t\"",
    );
}

#[test]
fn control_without_to_name_is_an_error_except_relations() {
    assert_error(
        "<View><Text name=\"t\" value=\"$t\"/><Rating name=\"r\"/></View>",
        1,
        34,
        "needs a toName",
    );
    parse_ok("<View><Text name=\"t\" value=\"$t\"/><Relations/></View>");
}

#[test]
fn option_controls_without_options_are_errors() {
    for (control, option) in [
        ("Choices", "<Choice>"),
        ("Labels", "<Label>"),
        ("RectangleLabels", "<Label>"),
        ("PolygonLabels", "<Label>"),
        ("KeyPointLabels", "<Label>"),
        ("Taxonomy", "<Choice>"),
    ] {
        let xml = format!(
            "<View><Image name=\"i\" value=\"$i\"/>\n<{control} name=\"c\" toName=\"i\"></{control}></View>"
        );
        assert_error(
            &xml,
            2,
            1,
            &format!("has no options: add at least one {option}"),
        );
    }
}

#[test]
fn choice_must_be_single_single_radio_or_multiple() {
    for good in ["single", "single-radio", "multiple"] {
        parse_ok(&format!(
            "<View><Text name=\"t\" value=\"$t\"/><Choices name=\"c\" toName=\"t\" choice=\"{good}\"><Choice value=\"A\"/></Choices></View>"
        ));
    }
    assert_error(
        "<View><Text name=\"t\" value=\"$t\"/>\n<Choices name=\"c\" toName=\"t\" choice=\"some\"><Choice value=\"A\"/></Choices></View>",
        2,
        1,
        "\"choice\" on <Choices> must be \"single\", \"single-radio\" or \"multiple\", not \"some\"",
    );
}

#[test]
fn pairwise_needs_exactly_two_objects() {
    assert_error(
        "<View><Text name=\"a\" value=\"$a\"/>\n  <Pairwise name=\"p\" toName=\"a\"/></View>",
        2,
        3,
        "compares exactly two objects",
    );
}

#[test]
fn ranker_must_point_at_a_list() {
    assert_error(
        "<View><Text name=\"a\" value=\"$a\"/>\n<Ranker name=\"r\" toName=\"a\"/></View>",
        2,
        1,
        "must point at a <List> object, but \"a\" is a <Text>",
    );
}

#[test]
fn bad_numbers_and_booleans_are_errors() {
    assert_error(
        "<View><Text name=\"t\" value=\"$t\"/>\n<Rating name=\"r\" toName=\"t\" maxRating=\"x\"/></View>",
        2,
        1,
        "attribute \"maxRating\" on <Rating> must be a whole number from 1, not \"x\"",
    );
    assert_error(
        "<View><Text name=\"t\" value=\"$t\"/><Number name=\"n\" toName=\"t\" min=\"1e999\"/></View>",
        1,
        34,
        "must be a finite number",
    );
    assert_error(
        "<View><Text name=\"t\" value=\"$t\"/><TextArea name=\"n\" toName=\"t\" required=\"yes\"/></View>",
        1,
        34,
        "must be \"true\" or \"false\", not \"yes\"",
    );
}

#[test]
fn entity_references_other_than_predefined_and_numeric_are_errors() {
    parse_ok("<View><Header value=\"&lt;&#65;&#x42;&quot;\"/><Header>&amp;&#67;</Header></View>");
    assert_error(
        "<View>\n  <Header value=\"&nbsp;\"/></View>",
        2,
        3,
        "entity reference \"&nbsp;\" is not allowed",
    );
    assert_error(
        "<View><Header>a &lol; b</Header></View>",
        1,
        17,
        "entity reference \"&lol;\" is not allowed",
    );
}

#[test]
fn billion_laughs_doctype_is_refused() {
    let xml = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<View><Header value="&lol3;"/></View>"#;
    assert_error(xml, 2, 1, "<!DOCTYPE> is not allowed");
}

#[test]
fn external_entity_doctype_is_refused() {
    let xml = r#"<!DOCTYPE View [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><View><Header value="&xxe;"/></View>"#;
    assert_error(xml, 1, 1, "<!DOCTYPE> is not allowed");
}

#[test]
fn oversized_config_is_refused() {
    let padding = "<!-- padding -->\n".repeat(2 * 1024 * 1024 / 17 + 1);
    let xml = format!("<View><Text name=\"t\" value=\"$t\"/></View>\n{padding}");
    assert!(xml.len() >= 2 * 1024 * 1024);
    assert_error(&xml, 1, 1, "larger than 1 MiB");
}

#[test]
fn deep_nesting_is_refused() {
    let xml = format!("{}{}", "<View>".repeat(200), "</View>".repeat(200));
    // The 101st `<View>` starts at byte 600.
    assert_error(&xml, 1, 601, "nested more than 100 elements deep");
    let ok = format!("{}{}", "<View>".repeat(100), "</View>".repeat(100));
    parse_ok(&ok);
}

#[test]
fn too_many_elements_are_refused() {
    let xml = format!("<View>{}</View>", "<View/>".repeat(10_000));
    assert_error(&xml, 1, 6 + 9_999 * 7 + 1, "more than 10000 elements");
}
