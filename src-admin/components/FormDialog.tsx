import { Form, type FormInstance } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog } from './Dialog';

/** A dialog holding one form: its OK button submits the form, which checks its fields first. */
export function FormDialog<T>(props: {
  title: string;
  okText?: string;
  busy: boolean;
  form: FormInstance<T>;
  initialValues?: Partial<T>;
  intro?: ReactNode;
  onCancel: () => void;
  onFinish: (values: T) => void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Dialog
      title={props.title}
      okText={props.okText ?? t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={props.busy}
      onCancel={props.onCancel}
      onOk={() => props.form.submit()}
    >
      {props.intro}
      <Form form={props.form} layout="vertical" initialValues={props.initialValues} onFinish={props.onFinish}>
        {props.children}
      </Form>
    </Dialog>
  );
}
