// Displays what the browser offers the engine (WebGPU, threads).
import type { EnvironmentInfo } from '../app/useEnvironment';

/** A small definition list of runtime capabilities. */
export function EnvironmentPanel({ env }: { env: EnvironmentInfo }) {
  const gpu = env.webgpu;
  const gpuText =
    gpu === null
      ? 'checking…'
      : gpu.available
        ? `available (${gpu.description}${gpu.shaderF16 ? ', shader-f16' : ', no shader-f16'})`
        : `not available: ${gpu.reason}`;
  return (
    <section className="panel" aria-labelledby="env-title">
      <h2 id="env-title">This browser</h2>
      <dl className="env">
        <dt>WebGPU</dt>
        <dd data-testid="env-webgpu" data-state={gpu === null ? 'pending' : gpu.available ? 'yes' : 'no'}>
          {gpuText}
        </dd>
        <dt>WASM threads</dt>
        <dd data-testid="env-threads">
          {env.crossOriginIsolated ? `yes (${env.threads} cores)` : 'no (page is not cross-origin isolated)'}
        </dd>
        <dt>ONNX Runtime Web</dt>
        <dd data-testid="env-ort">{env.ortVersion ?? 'starting…'}</dd>
      </dl>
    </section>
  );
}
