// Top-level layout: places the feature panels; each panel reads the store itself, so nothing is passed down.
import { useEffect } from 'react';
import { CsvPanel } from '../components/CsvPanel';
import { DemoBanner } from '../components/DemoBanner';
import { DropOverlay } from '../components/DropOverlay';
import { EvaluationPanel } from '../components/EvaluationPanel';
import { Histograms } from '../components/Histograms';
import { LabelsPanel } from '../components/LabelsPanel';
import { ModelStatus } from '../components/ModelStatus';
import { Notices } from '../components/Notices';
import { ResultsTable } from '../components/ResultsTable';
import { TextPanel } from '../components/TextPanel';
import { useAppStore } from '../store/store';

/** The whole page; starts the engine once mounted. */
export function App() {
  const init = useAppStore((s) => s.init);
  useEffect(() => init(), [init]);
  return (
    <div className="app">
      <a className="skip-link" href="#text-title">
        Skip to the classifier
      </a>
      <header className="app-header">
        <h1>Zero-shot classifier</h1>
        <p className="tagline">Multi-label text classification that runs entirely in your browser. Nothing you type or drop leaves this page.</p>
      </header>
      <Notices />
      <DemoBanner />
      <ModelStatus />
      <main className="layout">
        <div className="col-side">
          <LabelsPanel />
        </div>
        <div className="col-main">
          <TextPanel />
          <CsvPanel />
        </div>
      </main>
      <div className="wide">
        <ResultsTable />
        <EvaluationPanel />
        <Histograms />
      </div>
      <DropOverlay />
    </div>
  );
}
