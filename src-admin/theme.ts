import type { ThemeConfig } from 'antd';

/**
 * The console's colours: the desktop app's palette (src-renderer/theme.ts explains each ratio), so
 * text meets 4.5:1 and focus rings and control borders 3:1 (WCAG 2.1 AA). The console is its own
 * layer and may not import the renderer, hence the few tokens again here.
 */
export const theme: ThemeConfig = {
  token: {
    colorPrimary: '#0958d9',
    colorInfo: '#0958d9',
    colorLink: '#0958d9',
    colorError: '#cf1322',
    colorWarning: '#ad4e00',
    colorSuccess: '#237804',
    colorTextSecondary: '#595959',
    colorTextDescription: '#595959',
    colorTextTertiary: '#595959',
    colorTextPlaceholder: '#6e6e6e',
    colorBorder: '#8c8c8c',
    controlOutline: '#0958d9',
    controlOutlineWidth: 2,
    lineWidthFocus: 2,
    // The console is used by staff who may have "reduce motion" set; nothing in it needs to move.
    motion: false,
  },
  components: {
    Menu: { itemSelectedColor: '#0958d9', itemHoverColor: '#000000e0' },
    Table: { colorTextDisabled: '#595959' },
  },
};
