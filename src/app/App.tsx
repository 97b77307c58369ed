// Top-level layout of the app.
import { EnvironmentPanel } from '../components/EnvironmentPanel';
import { useEnvironment } from './useEnvironment';

/** The whole page: header, then the classifier's panels. */
export function App() {
  const env = useEnvironment();
  return (
    <div className="app">
      <header className="app-header">
        <h1>Zero-shot classifier</h1>
        <p className="tagline">
          Multi-label text classification that runs entirely in your browser. Nothing you type or drop leaves this page.
        </p>
      </header>
      <main>
        <EnvironmentPanel env={env} />
      </main>
    </div>
  );
}
