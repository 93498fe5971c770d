/**
 * The stage rule and the ID mask, as literal tables (pure functions; no database).
 */
import { describe, expect, test } from 'vitest';
import { transition } from '../../src/modules/cases/case-stages.ts';
import { maskIdNumber } from '../../src/modules/cases/party-id-crypto.ts';

describe('stage transitions: procedure, from, to → kind, skipped, reason required', () => {
  // prettier-ignore
  test.each([
    ['general', 'filing', 'investigation', 'advance', [], false],
    ['general', 'investigation', 'review', 'advance', [], false],
    ['general', 'notice', 'hearing', 'advance', [], false],
    ['general', 'notice', 'decision', 'skip', ['hearing'], false],
    ['general', 'hearing', 'decision', 'advance', [], false],
    ['general', 'investigation', 'notice', 'skip', ['review'], true],
    ['general', 'review', 'decision', 'skip', ['notice', 'hearing'], true],
    ['general', 'filing', 'closed', 'skip', ['investigation', 'review', 'notice', 'hearing', 'decision', 'service', 'execution'], true],
    ['general', 'execution', 'closed', 'advance', [], false],
    ['general', 'review', 'investigation', 'back', [], true],
    ['general', 'closed', 'execution', 'back', [], true],
    ['simple', 'investigation', 'notice', 'advance', [], false],
    ['simple', 'notice', 'decision', 'advance', [], false],
    ['simple', 'filing', 'notice', 'skip', ['investigation'], true],
  ] as const)('%s: %s → %s', (procedure, from, to, kind, skipped, reasonRequired) => {
    expect(transition(procedure, from, to)).toEqual({ ok: true, kind, skipped, reasonRequired });
  });

  test.each([
    ['general', 'review', 'review', 'same'],
    ['simple', 'investigation', 'review', 'not_applicable'],
    ['simple', 'notice', 'hearing', 'not_applicable'],
  ] as const)('%s: %s → %s refused (%s)', (procedure, from, to, problem) => {
    expect(transition(procedure, from, to)).toEqual({ ok: false, problem });
  });
});

describe('ID number mask', () => {
  test.each([
    ['320102199001011234', '3201**********1234'],
    ['91130100MA0XXXXX1Q', '9113**********XX1Q'],
    ['E12345678', 'E*******8'],
    ['AB', '**'],
  ])('%s → %s', (id, masked) => {
    expect(maskIdNumber(id)).toBe(masked);
  });
});
