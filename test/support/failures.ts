/**
 * The SluiceError a call fails with, for tests that check its code and message: the test fails
 * when the call succeeds or throws anything else.
 */
import { expect } from 'vitest';
import { SluiceError } from '../../src/errors.js';

export function thrownBy(run: () => unknown): SluiceError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SluiceError);
    return error as SluiceError;
  }
  throw new Error('expected a failure');
}

export async function rejectionOf(promise: Promise<unknown>): Promise<SluiceError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(SluiceError);
  return error as SluiceError;
}
