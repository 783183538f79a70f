/** First run, or no project open: open the demo (one click), open a project, or create one. */
import { useState } from "react";

export function WelcomeScreen(props: {
  busy: boolean;
  onOpenDemo: () => void;
  onOpenProject: () => void;
  /** Asks for the new project's path; resolves to it, or null if cancelled. */
  onPickNewProjectPath: () => Promise<string | null>;
  onCreateProject: (path: string, withConfig: boolean) => void;
}) {
  const [newProjectPath, setNewProjectPath] = useState<string | null>(null);

  return (
    <main className="welcome">
      <div className="welcome-card">
        <h1>Gloss</h1>
        <p className="muted">Label text, images, audio and conversations — keyboard first, on your machine.</p>
        <button
          type="button"
          className="primary large"
          data-testid="open-demo"
          onClick={props.onOpenDemo}
          disabled={props.busy}
          autoFocus
        >
          Open the demo project
        </button>
        <div className="welcome-secondary">
          <button type="button" data-testid="open-project" onClick={props.onOpenProject} disabled={props.busy}>
            Open a project…
          </button>
          <button
            type="button"
            data-testid="new-project"
            disabled={props.busy}
            onClick={async () => setNewProjectPath(await props.onPickNewProjectPath())}
          >
            New project…
          </button>
        </div>
        {newProjectPath !== null && (
          <div className="new-project" role="group" aria-label="New project">
            <p>
              Create <code>{newProjectPath}</code> with:
            </p>
            <div className="welcome-secondary">
              <button
                type="button"
                className="primary"
                disabled={props.busy}
                onClick={() => props.onCreateProject(newProjectPath, false)}
              >
                The text classification template
              </button>
              <button
                type="button"
                disabled={props.busy}
                onClick={() => props.onCreateProject(newProjectPath, true)}
              >
                A labelling config (XML)…
              </button>
              <button type="button" className="ghost" onClick={() => setNewProjectPath(null)}>
                Cancel
              </button>
            </div>
          </div>
        )}
      </div>
    </main>
  );
}
