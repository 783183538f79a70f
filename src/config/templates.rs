//! Built-in labelling configs offered when a project is created.

/// Sentiment classification of a text: one required choice out of three.
pub const TEXT_CLASSIFICATION_TEMPLATE: &str = r#"<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single" showInline="true" required="true">
    <Choice value="Positive"/>
    <Choice value="Negative"/>
    <Choice value="Neutral"/>
  </Choices>
</View>
"#;
