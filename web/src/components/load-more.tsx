import { Button, Flex, Typography } from 'antd';
import { useI18n } from '../i18n/i18n-context.tsx';

/** Below a cursor-paged table: "load more" while there is more, else how many are shown. */
export function LoadMore({ hasMore, loading, count, onLoadMore }: { hasMore: boolean; loading: boolean; count: number; onLoadMore(): void }) {
  const { t } = useI18n();
  if (count === 0) return null;
  return (
    <Flex justify="center" style={{ marginTop: 16 }}>
      {hasMore ? (
        <Button onClick={onLoadMore} loading={loading}>
          {t('common.loadMore')}
        </Button>
      ) : (
        <Typography.Text type="secondary">{t('common.allLoaded', { n: count })}</Typography.Text>
      )}
    </Flex>
  );
}
