import { Button, Form, Space } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** A list's filters in one row, each with its visible label; 搜尋 applies them, 清除 empties them. */
export function FilterBar<V extends object>({ onApply, children, label }: { onApply: (values: V) => void; children: ReactNode; label: string }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<V>();
  return (
    <Form form={form} layout="inline" onFinish={onApply} aria-label={label} role="search" style={{ marginBottom: 16, rowGap: 8 }}>
      {children}
      <Space>
        <Button type="primary" htmlType="submit">
          {t('common.search')}
        </Button>
        <Button
          onClick={() => {
            form.resetFields();
            onApply(form.getFieldsValue());
          }}
        >
          {t('common.reset')}
        </Button>
      </Space>
    </Form>
  );
}
