/**
 * Pre-labelling settings of this machine (not of the project): API keys per provider, the
 * default provider, base URL and model, proxy and CA certificate file, limits and prices, and
 * "Test connection". A key is typed into a password field and sent once, into the keychain;
 * afterwards only where it comes from shows ("stored in the keychain", "from OPENAI_API_KEY",
 * "none") — the shell never sends a key back. Everything is checked by the core when saved.
 */
import { useCallback, useEffect, useId, useState } from "react";
import type { ConnectionTestResult } from "../bindings/ConnectionTestResult";
import type { IpcError } from "../bindings/IpcError";
import type { MachineSettings } from "../bindings/MachineSettings";
import type { ProviderKeyState } from "../bindings/ProviderKeyState";
import { Modal } from "../components/Modal";
import type { PrelabelIpc } from "../ipc";

/**
 * The providers a run can use. `needsEndpoint`: no public default (Azure's resource endpoint).
 * A provider that needs no key and no URL (the built-in model) would be an entry with
 * `keyed: false`; the dialogs then hide its key and URL fields.
 */
export const PRELABEL_PROVIDERS: readonly { name: string; label: string; keyed: boolean; needsEndpoint: boolean }[] = [
  { name: "openai", label: "OpenAI or compatible (vLLM, Ollama, llama.cpp, LM Studio)", keyed: true, needsEndpoint: false },
  { name: "anthropic", label: "Anthropic", keyed: true, needsEndpoint: false },
  { name: "azure", label: "Azure OpenAI", keyed: true, needsEndpoint: true },
];

/** Where a provider's key comes from, in words (never the key). */
export function keySourceText(state: ProviderKeyState): string {
  switch (state.source) {
    case "keychain":
      return "stored in the keychain";
    case "environment":
      return `from ${state.environment_variable}`;
    default:
      return "none";
  }
}

/** The settings form's text fields: numbers as typed, so a half-typed value is not lost. */
interface SettingsForm {
  provider: string;
  base_url: string;
  model: string;
  azure_api_version: string;
  proxy: string;
  ca_certificate_path: string;
  concurrency: string;
  requests_per_minute: string;
  tokens_per_minute: string;
  timeout_secs: string;
  structured_output: boolean;
  price_in_per_million: string;
  price_out_per_million: string;
}

const text = (value: string | number | null) => (value === null ? "" : String(value));

export function formFromSettings(settings: MachineSettings): SettingsForm {
  return {
    provider: settings.provider,
    base_url: text(settings.base_url),
    model: text(settings.model),
    azure_api_version: text(settings.azure_api_version),
    proxy: text(settings.proxy),
    ca_certificate_path: text(settings.ca_certificate_path),
    concurrency: text(settings.concurrency),
    requests_per_minute: text(settings.requests_per_minute),
    tokens_per_minute: text(settings.tokens_per_minute),
    timeout_secs: text(settings.timeout_secs),
    structured_output: settings.structured_output,
    price_in_per_million: text(settings.price_in_per_million),
    price_out_per_million: text(settings.price_out_per_million),
  };
}

/** Field name and problem, or the settings to save. Range checks are the core's. */
export function settingsFromForm(form: SettingsForm): MachineSettings | { field: string; problem: string } {
  const optionalText = (value: string) => (value.trim() === "" ? null : value.trim());
  const numbers: Record<string, number | null> = {};
  for (const field of [
    "concurrency",
    "requests_per_minute",
    "tokens_per_minute",
    "timeout_secs",
    "price_in_per_million",
    "price_out_per_million",
  ] as const) {
    const raw = form[field].trim();
    if (raw === "") {
      numbers[field] = null;
      continue;
    }
    const value = Number(raw);
    const whole = !field.startsWith("price");
    if (!Number.isFinite(value) || (whole && !Number.isInteger(value))) {
      return { field, problem: whole ? "must be a whole number" : "must be a number" };
    }
    numbers[field] = value;
  }
  const concurrency = numbers.concurrency ?? null;
  const timeoutSecs = numbers.timeout_secs ?? null;
  if (concurrency === null) return { field: "concurrency", problem: "is required" };
  if (timeoutSecs === null) return { field: "timeout_secs", problem: "is required" };
  return {
    provider: form.provider,
    base_url: optionalText(form.base_url),
    model: optionalText(form.model),
    azure_api_version: form.provider === "azure" ? optionalText(form.azure_api_version) : null,
    proxy: optionalText(form.proxy),
    ca_certificate_path: optionalText(form.ca_certificate_path),
    concurrency,
    requests_per_minute: numbers.requests_per_minute ?? null,
    tokens_per_minute: numbers.tokens_per_minute ?? null,
    timeout_secs: timeoutSecs,
    structured_output: form.structured_output,
    price_in_per_million: numbers.price_in_per_million ?? null,
    price_out_per_million: numbers.price_out_per_million ?? null,
  };
}

/** One labelled input. */
function Field(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  testId: string;
  type?: string;
  placeholder?: string;
  hint?: string;
  disabled?: boolean;
}) {
  const id = useId();
  return (
    <div className="prelabel-field" style={{ display: "grid", gap: "0.2rem", marginBottom: "0.6rem" }}>
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        type={props.type ?? "text"}
        value={props.value}
        placeholder={props.placeholder}
        disabled={props.disabled}
        data-testid={props.testId}
        aria-describedby={props.hint === undefined ? undefined : `${id}-hint`}
        onChange={(event) => props.onChange(event.target.value)}
      />
      {props.hint !== undefined && (
        <span id={`${id}-hint`} className="muted small">
          {props.hint}
        </span>
      )}
    </div>
  );
}

/** The key row of one provider: its status, a password field and Save / Remove. */
function KeyRow(props: {
  api: PrelabelIpc;
  provider: { name: string; label: string };
  state: ProviderKeyState | null;
  onState: (state: ProviderKeyState) => void;
  onError: (error: IpcError) => void;
  /** Focus starts here (the first row), so Tab walks the dialog and not the page behind it. */
  autoFocus?: boolean;
}) {
  const [typedKey, setTypedKey] = useState("");
  const [busy, setBusy] = useState(false);
  const id = useId();
  const save = async () => {
    if (typedKey.trim() === "") return;
    setBusy(true);
    try {
      props.onState(await props.api.setKey(props.provider.name, typedKey));
    } catch (error) {
      props.onError(error as IpcError);
    } finally {
      // The key leaves the page's state whatever happened: it is not kept to be shown again.
      setTypedKey("");
      setBusy(false);
    }
  };
  const remove = async () => {
    setBusy(true);
    try {
      props.onState(await props.api.removeKey(props.provider.name));
    } catch (error) {
      props.onError(error as IpcError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <li data-testid={`key-row-${props.provider.name}`} style={{ marginBottom: "0.6rem" }}>
      <label htmlFor={id}>
        <strong>{props.provider.label}</strong>
      </label>{" "}
      <span className="muted" data-testid={`key-status-${props.provider.name}`}>
        Key: {props.state === null ? "…" : keySourceText(props.state)}
      </span>
      {props.state?.keychain_unavailable_reason != null && (
        <div className="muted small">Keychain unavailable: {props.state.keychain_unavailable_reason}</div>
      )}
      <div style={{ display: "flex", gap: "0.4rem", marginTop: "0.25rem" }}>
        <input
          id={id}
          type="password"
          autoFocus={props.autoFocus}
          autoComplete="off"
          spellCheck={false}
          placeholder="Paste a new key"
          value={typedKey}
          disabled={busy}
          data-testid={`key-input-${props.provider.name}`}
          onChange={(event) => setTypedKey(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Enter") {
              event.preventDefault();
              void save();
            }
          }}
          style={{ flex: 1 }}
        />
        <button
          type="button"
          onClick={() => void save()}
          disabled={busy || typedKey.trim() === ""}
          data-testid={`key-save-${props.provider.name}`}
        >
          Save key
        </button>
        <button
          type="button"
          onClick={() => void remove()}
          disabled={busy || props.state?.source !== "keychain"}
          data-testid={`key-remove-${props.provider.name}`}
        >
          Remove
        </button>
      </div>
    </li>
  );
}

export function PrelabelSettingsDialog(props: { api: PrelabelIpc; onClose: () => void }) {
  const { api } = props;
  const [form, setForm] = useState<SettingsForm | null>(null);
  const [keyStates, setKeyStates] = useState<Record<string, ProviderKeyState>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [connection, setConnection] = useState<ConnectionTestResult | null>(null);
  const [busy, setBusy] = useState(false);

  const showError = useCallback((error: IpcError) => {
    setNotice(null);
    setProblem(error.message);
  }, []);

  useEffect(() => {
    let stopped = false;
    void (async () => {
      try {
        const settings = await api.settings();
        if (!stopped) setForm(formFromSettings(settings));
      } catch (error) {
        if (!stopped) showError(error as IpcError);
      }
      for (const provider of PRELABEL_PROVIDERS.filter((entry) => entry.keyed)) {
        try {
          const state = await api.keyStatus(provider.name);
          if (!stopped) setKeyStates((current) => ({ ...current, [provider.name]: state }));
        } catch (error) {
          if (!stopped) showError(error as IpcError);
        }
      }
    })();
    return () => {
      stopped = true;
    };
  }, [api, showError]);

  const update = (change: Partial<SettingsForm>) => setForm((current) => (current === null ? current : { ...current, ...change }));

  const save = async (): Promise<boolean> => {
    if (form === null) return false;
    const settings = settingsFromForm(form);
    if ("problem" in settings) {
      setNotice(null);
      setProblem(`${settings.field.replaceAll("_", " ")} ${settings.problem}`);
      return false;
    }
    setBusy(true);
    try {
      setForm(formFromSettings(await api.saveSettings(settings)));
      setProblem(null);
      setNotice("Settings saved.");
      return true;
    } catch (error) {
      showError(error as IpcError);
      return false;
    } finally {
      setBusy(false);
    }
  };

  const testConnection = async () => {
    setConnection(null);
    if (!(await save())) return;
    setBusy(true);
    setNotice("Testing the connection…");
    try {
      const result = await api.testConnection(null);
      setConnection(result);
      setNotice(null);
    } catch (error) {
      showError(error as IpcError);
    } finally {
      setBusy(false);
    }
  };

  const provider = PRELABEL_PROVIDERS.find((entry) => entry.name === form?.provider);
  return (
    <Modal title="Pre-labelling settings" testId="prelabel-settings" onClose={props.onClose}>
      <p className="muted small">
        These settings belong to this computer, not to the project. Keys are kept in the system keychain.
      </p>
      <h3>API keys</h3>
      <ul style={{ listStyle: "none", padding: 0 }}>
        {PRELABEL_PROVIDERS.filter((entry) => entry.keyed).map((entry, entryIdx) => (
          <KeyRow
            key={entry.name}
            autoFocus={entryIdx === 0}
            api={api}
            provider={entry}
            state={keyStates[entry.name] ?? null}
            onState={(state) => {
              setKeyStates((current) => ({ ...current, [entry.name]: state }));
              setProblem(null);
              setNotice(`${entry.label}: key ${keySourceText(state)}.`);
            }}
            onError={showError}
          />
        ))}
      </ul>
      {form === null ? (
        <p className="muted">Loading the settings…</p>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void save();
          }}
        >
          <h3>Default model</h3>
          <div className="prelabel-field" style={{ display: "grid", gap: "0.2rem", marginBottom: "0.6rem" }}>
            <label htmlFor="prelabel-settings-provider">Provider</label>
            <select
              id="prelabel-settings-provider"
              data-testid="settings-provider"
              value={form.provider}
              onChange={(event) => update({ provider: event.target.value })}
            >
              {PRELABEL_PROVIDERS.map((entry) => (
                <option key={entry.name} value={entry.name}>
                  {entry.label}
                </option>
              ))}
            </select>
          </div>
          <Field
            label={provider?.needsEndpoint ? "Resource endpoint" : "Base URL"}
            value={form.base_url}
            onChange={(base_url) => update({ base_url })}
            testId="settings-base-url"
            placeholder={provider?.needsEndpoint ? "https://NAME.openai.azure.com" : "empty: the provider's public API"}
          />
          <Field
            label={form.provider === "azure" ? "Deployment" : "Model"}
            value={form.model}
            onChange={(model) => update({ model })}
            testId="settings-model"
          />
          {form.provider === "azure" && (
            <Field
              label="API version"
              value={form.azure_api_version}
              onChange={(azure_api_version) => update({ azure_api_version })}
              testId="settings-api-version"
              placeholder="2024-10-21"
              hint="A dated version uses the deployment URLs; v1 uses /openai/v1/."
            />
          )}
          <h3>Network</h3>
          <Field
            label="Proxy"
            value={form.proxy}
            onChange={(proxy) => update({ proxy })}
            testId="settings-proxy"
            placeholder="empty: HTTPS_PROXY / HTTP_PROXY"
          />
          <Field
            label="CA certificate file (PEM)"
            value={form.ca_certificate_path}
            onChange={(ca_certificate_path) => update({ ca_certificate_path })}
            testId="settings-ca"
            placeholder="empty: the built-in roots"
          />
          <Field
            label="Request timeout (seconds)"
            value={form.timeout_secs}
            onChange={(timeout_secs) => update({ timeout_secs })}
            testId="settings-timeout"
            type="number"
          />
          <h3>Limits and prices</h3>
          <Field
            label="Requests at a time"
            value={form.concurrency}
            onChange={(concurrency) => update({ concurrency })}
            testId="settings-concurrency"
            type="number"
          />
          <Field
            label="Requests per minute"
            value={form.requests_per_minute}
            onChange={(requests_per_minute) => update({ requests_per_minute })}
            testId="settings-rpm"
            type="number"
            placeholder="no limit"
          />
          <Field
            label="Tokens per minute"
            value={form.tokens_per_minute}
            onChange={(tokens_per_minute) => update({ tokens_per_minute })}
            testId="settings-tpm"
            type="number"
            placeholder="no limit"
          />
          <Field
            label="Price per 1M input tokens"
            value={form.price_in_per_million}
            onChange={(price_in_per_million) => update({ price_in_per_million })}
            testId="settings-price-in"
            type="number"
            placeholder="no cost estimate"
          />
          <Field
            label="Price per 1M output tokens"
            value={form.price_out_per_million}
            onChange={(price_out_per_million) => update({ price_out_per_million })}
            testId="settings-price-out"
            type="number"
            placeholder="no cost estimate"
          />
          <label className="checkbox">
            <input
              type="checkbox"
              checked={form.structured_output}
              data-testid="settings-structured"
              onChange={(event) => update({ structured_output: event.target.checked })}
            />{" "}
            Send the answer's JSON schema (only for servers that support structured output)
          </label>
          {problem !== null && (
            <p role="alert" className="error" data-testid="settings-problem">
              {problem}
            </p>
          )}
          {notice !== null && (
            <p role="status" className="muted" data-testid="settings-notice">
              {notice}
            </p>
          )}
          {connection !== null && (
            <p role="status" data-testid="connection-result">
              Connected to {connection.provider} at {connection.base_url}: {connection.n_models_listed} model(s) listed
              {connection.model === ""
                ? "."
                : connection.model_listed
                  ? `, including ${connection.model}.`
                  : `, not including ${connection.model} (local servers and Azure deployments often are not listed).`}
            </p>
          )}
          <div className="modal-actions" style={{ gap: "0.5rem" }}>
            <button type="button" onClick={props.onClose}>
              Close
            </button>
            <button type="button" onClick={() => void testConnection()} disabled={busy} data-testid="settings-test">
              Test connection
            </button>
            <button type="submit" className="primary" disabled={busy} data-testid="settings-save">
              Save settings
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}
