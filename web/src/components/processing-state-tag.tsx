import { Tag, Tooltip } from 'antd';
import type { ProcessingState } from '../api/shapes.ts';
import { useI18n } from '../i18n/i18n-context.tsx';

const colors: Record<ProcessingState, string> = {
  pending: 'default',
  processing: 'processing',
  ready: 'success',
  not_processable: 'warning',
  failed: 'error',
};

/** Where the media job is with a recording; the error (if any) in a tooltip. */
export function ProcessingStateTag({ state, error }: { state: ProcessingState; error?: string | null }) {
  const { t } = useI18n();
  const tag = <Tag color={colors[state]}>{t(`procState.${state}`)}</Tag>;
  return error ? <Tooltip title={error}>{tag}</Tooltip> : tag;
}
