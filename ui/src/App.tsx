/**
 * The app shell: the welcome screen until a project is open, then the project screen. Holds the
 * open project's overview and the error banner; every backend call goes through `ipc.ts`.
 */
import { useCallback, useEffect, useMemo, useState } from "react";
import type { IpcError } from "./bindings/IpcError";
import type { ProjectOverview } from "./bindings/ProjectOverview";
import { ErrorBanner } from "./components/ErrorBanner";
import { dialogs, ipc, toIpcError, type Ipc } from "./ipc";
import { createRegistry } from "./modalities";
import { ProjectScreen } from "./screens/ProjectScreen";
import { WelcomeScreen } from "./screens/WelcomeScreen";

export function App(props: { api?: Ipc; fileDialogs?: typeof dialogs }) {
  const api = props.api ?? ipc;
  const fileDialogs = props.fileDialogs ?? dialogs;
  const registry = useMemo(() => createRegistry(), []);
  const [overview, setOverview] = useState<ProjectOverview | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(true);

  useEffect(() => {
    api
      .currentProject()
      .then(setOverview)
      .catch((failure: unknown) => setError(toIpcError(failure)))
      .finally(() => setBusy(false));
  }, [api]);

  const openWith = useCallback(async (load: () => Promise<ProjectOverview | null>) => {
    setBusy(true);
    setError(null);
    try {
      const opened = await load();
      if (opened !== null) setOverview(opened);
    } catch (failure) {
      setError(toIpcError(failure));
    } finally {
      setBusy(false);
    }
  }, []);

  const onError = useCallback((failure: IpcError | null) => setError(failure), []);

  return (
    <div className="app">
      <ErrorBanner error={error} onDismiss={() => setError(null)} />
      {overview === null ? (
        <WelcomeScreen
          busy={busy}
          onOpenDemo={() => void openWith(() => api.openDemoProject())}
          onOpenProject={() =>
            void openWith(async () => {
              const path = await fileDialogs.pickProject();
              return path === null ? null : api.openProject(path);
            })
          }
          onPickNewProjectPath={async () => {
            try {
              return await fileDialogs.pickNewProjectPath();
            } catch (failure) {
              setError(toIpcError(failure));
              return null;
            }
          }}
          onCreateProject={(path, withConfig) =>
            void openWith(async () => {
              let configPath: string | null = null;
              if (withConfig) {
                configPath = await fileDialogs.pickConfig();
                if (configPath === null) return null;
              }
              return api.createProject(path, configPath);
            })
          }
        />
      ) : (
        <ProjectScreen
          key={overview.path}
          api={api}
          fileDialogs={fileDialogs}
          registry={registry}
          overview={overview}
          onError={onError}
        />
      )}
    </div>
  );
}
