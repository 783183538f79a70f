/**
 * Parsed interfaces and task data for the LLM modality's tests, shaped as the core sends them
 * for the Label Studio configs in testdata/labelstudio (generative-ai__*, chat__*,
 * ranking-and-scoring__pairwise-classification, conversational-ai__*,
 * structured-data-parsing__pdf-classification), with the sample data from their comments.
 */
import type { ControlKind } from "../../bindings/ControlKind";
import type { ControlTag } from "../../bindings/ControlTag";
import type { Interface } from "../../bindings/Interface";
import type { LayoutNode } from "../../bindings/LayoutNode";
import type { ObjectKind } from "../../bindings/ObjectKind";
import type { ObjectTag } from "../../bindings/ObjectTag";

const position = { line: 1, column: 1 };

export function object(name: string, kind: ObjectKind, field: string | null = name): ObjectTag {
  return { name, kind, value: field === null ? name : `$${field}`, data_field: field, position };
}

export function text(name: string, field: string | null = name): ObjectTag {
  return object(name, { kind: "text", granularity: "symbol" }, field);
}

export function control(name: string, toName: string[], kind: ControlKind, required = false): ControlTag {
  return { name, to_name: toName, required, per_region: false, kind, position };
}

/** A `<Chat>` object kind as the core parses it (defaults: roles user and assistant, nothing editable, no bounds). */
export function chatKind(overrides: Partial<Omit<Extract<ObjectKind, { kind: "chat" }>, "kind">> = {}): ObjectKind {
  return { kind: "chat", message_roles: ["user", "assistant"], editable_roles: [], min_messages: null, max_messages: null, ...overrides };
}

const objectNode = (name: string): LayoutNode => ({ node: "object", name });
const controlNode = (name: string): LayoutNode => ({ node: "control", name });
const view = (children: LayoutNode[], className: string | null = null): LayoutNode => ({ node: "view", style: null, class_name: className, children });

/** generative-ai__human-feedback-collection.xml */
export const humanFeedbackInterface: Interface = {
  root: view([
    view([view([objectNode("prompt")], "prompt"), view([controlNode("comparison"), view([objectNode("answer1")], "answer-box"), view([objectNode("answer2")], "answer-box")], "answers")], "container"),
  ], "root"),
  objects: [text("prompt"), text("answer1"), text("answer2")],
  controls: [control("comparison", ["answer1", "answer2"], { kind: "pairwise" })],
};

export const humanFeedbackData = {
  prompt:
    "What are the key benefits of using Reinforcement Learning from Human Feedback (RLHF) for dataset collection in the context of Large Language Model (LLM) generation?",
  answer1:
    "Reinforcement Learning from Human Feedback (RLHF) for dataset collection in Large Language Model (LLM) generation provides key benefits such as improved model performance through direct optimization, better alignment with human values by incorporating human feedback, and the ability to iteratively refine the model based on user interactions, resulting in a more user-friendly and efficient language model.",
  answer2:
    "Using Reinforcement Learning from Human Feedback (RLHF) for dataset collection in Large Language Model (LLM) generation offers advantages such as enhanced model capabilities by optimizing for desired outcomes, greater adaptability to human preferences through the inclusion of human feedback, and the opportunity to continuously improve the model based on user experiences, ultimately leading to a more effective and responsive language model.",
};

/** ranking-and-scoring__pairwise-classification.xml, plus a Choices to check digit sharing. */
export const pairwiseClassificationInterface: Interface = {
  root: view([{ node: "header", value: "Select one of two items", size: null }, controlNode("pw"), objectNode("text1"), objectNode("text2")]),
  objects: [text("text1", "pairText1"), text("text2", "pairText2")],
  controls: [control("pw", ["text1", "text2"], { kind: "pairwise" })],
};

/** generative-ai__llm-ranker.xml */
export function llmRankerInterface(withBuckets: boolean): Interface {
  return {
    root: view([
      objectNode("task"),
      objectNode("prompt"),
      view([objectNode("answers"), controlNode("rank")]),
    ]),
    objects: [text("task"), text("prompt"), object("answers", { kind: "list", title: "All Results" }, "items")],
    controls: [
      control("rank", ["answers"], {
        kind: "ranker",
        buckets: withBuckets
          ? [
              { name: "relevant_results", title: "Relevant Results" },
              { name: "biased_results", title: "Biased Results" },
            ]
          : [],
      }),
    ],
  };
}

export const llmRankerData = {
  task: "Drag and rank the given AI model responses based on their relevance to the prompt and the level of perceived bias.",
  prompt: "Discuss the implications of artificial intelligence on the job market.",
  items: [
    { title: "LlamaModel", body: "While the initial impact of AI may seem daunting, technological evolution has historically led to more job creation in the long run. We need to adapt, but there's no need to panic.", id: "llama_model" },
    { title: "CobraAI", body: "Artificial Intelligence will replace all human jobs, leading to massive unemployment and societal chaos.", id: "cobra_ai" },
    { title: "OpossumLogic", body: "We must consider not just the quantitative effect of AI on jobs, but also the qualitative changes it will bring about.", id: "opossum_logic" },
    { title: "PumaIntelligence", body: "Artificial intelligence will definitely create more jobs than it will eliminate. It's the next big wave of innovation.", id: "puma_intelligence" },
  ],
};

/** Label Studio's per-response rating: one `<Rating>` after each response `<Text>`. */
export const ratedResponsesInterface: Interface = {
  root: view([
    objectNode("prompt"),
    objectNode("answer1"),
    controlNode("rating1"),
    objectNode("answer2"),
    controlNode("rating2"),
    controlNode("overall"),
  ]),
  objects: [text("prompt"), text("answer1"), text("answer2")],
  controls: [
    control("rating1", ["answer1"], { kind: "rating", max_rating: 5 }),
    control("rating2", ["answer2"], { kind: "rating", max_rating: 5 }),
    control("overall", ["prompt"], {
      kind: "choices",
      multiple: false,
      show_inline: true,
      dynamic_options_field: null,
      options: [
        { value: "Both fine", alias: null, hotkey: null, background: null, html: null },
        { value: "Both bad", alias: null, hotkey: null, background: null, html: null },
      ],
    }),
  ],
};

/** chat__chatbot.xml (the whole-conversation part; per-message controls need regions). */
export const chatInterface: Interface = {
  root: view([objectNode("instructions"), objectNode("chat"), controlNode("rating")]),
  objects: [text("instructions", null), object("chat", chatKind())],
  controls: [control("rating", ["chat"], { kind: "rating", max_rating: 5 })],
};

export const chatData = {
  instructions: "Review the conversation in detail.",
  chat: [
    { role: "user", content: "I'm onboarding a new annotator. What are the first steps to ensure quality and speed?" },
    {
      role: "assistant",
      content:
        "Start by creating their account and assigning the Annotator role so permissions are scoped correctly. Add concise labeling instructions that appear before labeling.",
    },
  ],
  max: 10,
};

function perRegion(tag: ControlTag): ControlTag {
  return { ...tag, per_region: true };
}

function choiceOptions(values: string[]) {
  return values.map((value) => ({ value, alias: null, hotkey: null, background: null, html: null }));
}

/** chat__chat_rlhf.xml: the conversation, whole-chat rating and comment, per-message evaluation. */
export const chatRlhfInterface: Interface = {
  root: view([
    view([view([objectNode("instructions")], "instructions"), objectNode("chat")], "chat"),
    view(
      [
        view([{ node: "header", value: "Overall quality of this conversation", size: 4 }, controlNode("rating"), controlNode("conversation_comment")], "overall-chat"),
        { node: "view", style: null, class_name: null, visible_when: { condition: "no_region_selected" }, children: [{ node: "header", value: "Click on a message to evaluate", size: 3 }] },
        {
          node: "view",
          style: null,
          class_name: null,
          visible_when: { condition: "region_selected", when_role: "assistant" },
          children: [
            { node: "header", value: "Response Accuracy", size: null },
            controlNode("assistant_response_accuracy"),
            { node: "header", value: "Relevance", size: null },
            controlNode("relevance"),
            { node: "header", value: "Tone", size: null },
            controlNode("tone"),
            controlNode("message_comment"),
          ],
        },
      ],
      "evaluation",
    ),
  ]),
  objects: [text("instructions", null), object("chat", chatKind({ min_messages: { count: 2 } }))],
  controls: [
    control("rating", ["chat"], { kind: "rating", max_rating: 5 }),
    control("conversation_comment", ["chat"], { kind: "text_area", placeholder: null, rows: null, max_submissions: null, editable: false, shortcuts: [] }),
    perRegion(control("assistant_response_accuracy", ["chat"], { kind: "rating", max_rating: 5 })),
    perRegion(
      control("relevance", ["chat"], {
        kind: "choices",
        multiple: false,
        show_inline: false,
        options: choiceOptions(["Highly relevant", "Somewhat relevant", "Not relevant"]),
        dynamic_options_field: null,
      }),
    ),
    perRegion(
      control("tone", ["chat"], {
        kind: "choices",
        multiple: true,
        show_inline: false,
        options: choiceOptions(["Too formal", "Too casual", "Appropriate"]),
        dynamic_options_field: null,
      }),
    ),
    perRegion(control("message_comment", ["chat"], { kind: "text_area", placeholder: null, rows: null, max_submissions: null, editable: false, shortcuts: [] })),
  ],
};

/** conversational-ai__response-selection.xml */
export const dialogueInterface: Interface = {
  root: view([objectNode("prg")]),
  objects: [object("prg", { kind: "paragraphs", dialogue_layout: true, name_key: "author", text_key: "text" }, "humanMachineDialogue")],
  controls: [],
};

export const dialogueData = {
  humanMachineDialogue: [
    { author: "Human", text: "Hi, I'd like to change my flight to Friday." },
    { author: "Machine", text: "Sure. Which booking reference should I use?" },
    { author: "Human", text: "ABC123 <script>window.__pwned = 1</script>" },
    { author: "Machine", text: "Done: you now fly on Friday at 9:05." },
  ],
};

/** structured-data-parsing__pdf-classification.xml */
export const pdfInterface: Interface = {
  root: view([{ node: "header", value: "Rate this article", size: null }, controlNode("rating"), objectNode("pdf")]),
  objects: [object("pdf", { kind: "hyper_text", inline: true })],
  controls: [control("rating", ["pdf"], { kind: "rating", max_rating: 10 })],
};

export const pdfData = { pdf: "<embed src=''/static/samples/sample.pdf'' width=''100%'' height=''600px''/>" };
