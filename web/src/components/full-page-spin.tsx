import { Flex, Spin } from 'antd';

/** Shown while the first "who am I" check or a screen's code is loading. */
export function FullPageSpin() {
  return (
    <Flex align="center" justify="center" style={{ minHeight: 320, height: '100%' }}>
      <Spin size="large" />
    </Flex>
  );
}
