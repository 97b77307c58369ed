import { describe, expect, it } from 'vitest';
import { relativeTo } from './engine';

describe('relativeTo', () => {
  it('names external data relative to the graph folder, as ONNX references it', () => {
    expect(relativeTo('onnx/model.onnx', 'onnx/model.onnx_data')).toBe('model.onnx_data');
    expect(relativeTo('model.onnx', 'model.onnx_data')).toBe('model.onnx_data');
  });
});
