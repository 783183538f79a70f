/** The `?` overlay: every key of the labelling screen, listed from the same keymap the handler uses. */
import type { Keymap, KeyBinding } from "../annotation/keymap";
import { Modal } from "./Modal";

const GROUPS: KeyBinding["group"][] = ["Labelling", "Task", "Window"];

export function HelpOverlay(props: { keymap: Keymap; onClose: () => void }) {
  return (
    <Modal title="Keyboard shortcuts" testId="help-overlay" onClose={props.onClose}>
      {GROUPS.map((group) => {
        const bindings = props.keymap.bindings.filter((binding) => binding.group === group);
        if (bindings.length === 0) return null;
        return (
          <section key={group} className="help-group">
            <h3>{group}</h3>
            <table>
              <tbody>
                {bindings.map((binding) => (
                  <tr key={binding.display + binding.description}>
                    <td>
                      <kbd>{binding.display}</kbd>
                    </td>
                    <td>{binding.description}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        );
      })}
      {props.keymap.focusKeys.length > 0 && (
        <section className="help-group" data-testid="focus-keys">
          <h3>When a control has focus (Tab to it)</h3>
          <table>
            <tbody>
              {props.keymap.focusKeys.map((focusKey) => (
                <tr key={focusKey.control + focusKey.display + focusKey.description}>
                  <td>
                    <kbd>{focusKey.display}</kbd>
                  </td>
                  <td>{`${focusKey.control}: ${focusKey.description}`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <p className="muted small">
        Shortcuts are off while typing in a text field. The project's own hotkeys take precedence
        over <kbd>?</kbd> and <kbd>g</kbd>; <kbd>F1</kbd> always toggles the guidelines.
      </p>
      {props.keymap.conflicts.length > 0 && (
        <section className="help-group">
          <h3>Config hotkeys not used</h3>
          <ul>
            {props.keymap.conflicts.map((conflict) => (
              <li key={conflict}>{conflict}</li>
            ))}
          </ul>
        </section>
      )}
    </Modal>
  );
}
