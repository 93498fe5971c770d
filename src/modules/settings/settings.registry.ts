import { z } from 'zod';
import { text } from '../../platform/http/schemas.ts';

/** Every system setting, with its schema and default. Settings are data an admin edits, never code. */
export const settingsRegistry = {
  /** 机关名称 — the agency's name, shown on reports and packages. */
  'agency.name': { schema: text(100), default: '市商务局商务综合执法支队' },
  /** 全宗号 — fonds number used in archive references (DA/T 22). */
  'agency.fondsNumber': { schema: text(20), default: '' },
  /** 第十条: hour of the recording day by which footage must be offloaded (24 = midnight). */
  'offload.cutoffHour': { schema: z.number().int().min(1).max(48), default: 24 },
  /** 第十一条: minimum months patrol AV is kept. */
  'retention.patrolMonths': { schema: z.number().int().min(6).max(1200), default: 6 },
} as const;

export type SettingKey = keyof typeof settingsRegistry;
export const settingKeys = Object.keys(settingsRegistry) as [SettingKey, ...SettingKey[]];
