// Probes what the browser offers the engine: WebGPU adapter, shader-f16, cross-origin isolation.
import { useEffect, useState } from 'react';
import { createEngineWorker } from '../worker/client';

/** What the page can tell about the runtime environment before any model loads. */
export interface EnvironmentInfo {
  /** null while the probe is still running. */
  webgpu: null | { available: false; reason: string } | { available: true; shaderF16: boolean; description: string };
  crossOriginIsolated: boolean;
  threads: number;
  /** ONNX Runtime Web version as reported by the engine worker once it started; null until then. */
  ortVersion: string | null;
}

/** Asks navigator.gpu for an adapter once, on mount. */
export function useEnvironment(): EnvironmentInfo {
  const [webgpu, setWebgpu] = useState<EnvironmentInfo['webgpu']>(null);
  const [ortVersion, setOrtVersion] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    probeWebGpu().then((result) => alive && setWebgpu(result));
    const worker = createEngineWorker();
    worker.onmessage = (e: MessageEvent<{ type: string; ortVersion?: string }>) => {
      if (alive && e.data.type === 'hello') setOrtVersion(e.data.ortVersion ?? null);
    };
    return () => {
      alive = false;
      worker.terminate();
    };
  }, []);
  return {
    webgpu,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    threads: navigator.hardwareConcurrency ?? 1,
    ortVersion,
  };
}

async function probeWebGpu(): Promise<NonNullable<EnvironmentInfo['webgpu']>> {
  if (!('gpu' in navigator) || !navigator.gpu) return { available: false, reason: 'this browser has no WebGPU' };
  try {
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return { available: false, reason: 'no WebGPU adapter' };
    const info = adapter.info;
    const description = [info?.vendor, info?.architecture].filter(Boolean).join(' ') || 'unknown adapter';
    return { available: true, shaderF16: adapter.features.has('shader-f16'), description };
  } catch (error) {
    return { available: false, reason: `WebGPU adapter request failed: ${String(error)}` };
  }
}
