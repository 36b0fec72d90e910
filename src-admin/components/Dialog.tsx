import { Modal, type ModalProps } from 'antd';
import { useEffect } from 'react';

/** The console's dialogs go here rather than into a container Ant Design makes and locks itself. */
function dialogRoot(): HTMLElement {
  let root = document.getElementById('gw-dialogs');
  if (!root) {
    root = document.createElement('div');
    root.id = 'gw-dialogs';
    document.body.appendChild(root);
  }
  return root;
}

/**
 * An open Ant Design dialog under the console's CSP. Ant Design keeps the page behind a dialog
 * from scrolling with a <style> tag its portal library writes without the nonce, which the CSP
 * blocks (a reported violation). Given a container of our own it leaves that out, and the page is
 * held here instead through the style property, which the CSP allows.
 */
export function Dialog(props: Omit<ModalProps, 'open' | 'getContainer'>) {
  useEffect(() => {
    const before = document.body.style.overflow;
    document.body.style.overflow = 'hidden';
    return () => {
      document.body.style.overflow = before;
    };
  }, []);
  return <Modal {...props} open getContainer={dialogRoot} />;
}
