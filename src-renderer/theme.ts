import type { ThemeConfig } from 'antd';

/**
 * The one place the app's colours are decided, so that every text meets 4.5:1 and every focus
 * indicator and control border 3:1 (WCAG 2.1 AA), on white and on the pale tints Ant Design puts
 * behind selected items. Ant Design's defaults (#1677ff, #ff4d4f, #8c8c8c, a #91caff focus ring)
 * do not; the ratios below are against white unless said.
 */
export const palette = {
  primary: '#0958d9', // 6.2:1; 5.5:1 on the selected menu item's #e6f4ff
  primaryHover: '#003eb3', // 9.0:1
  primaryActive: '#002c8c',
  error: '#cf1322', // 5.6:1; 5.1:1 on the error alert's #fff1f0
  warning: '#ad4e00', // 5.4:1
  success: '#237804', // 5.4:1 on the success tint
  secondaryText: '#595959', // 7.0:1; 6.4:1 on #f5f5f5
  /** The focus ring: 2 px, 6.2:1 against white, on every control. */
  focus: '#0958d9',
} as const;

/** Tags carry status words (待補簽, 已補簽): dark text on their tint, 5:1 and more. */
export const tagTone = {
  pending: { color: '#873800', background: '#fff7e6', borderColor: '#ad4e00' }, // 7.6:1
  done: { color: '#135200', background: '#f6ffed', borderColor: '#237804' }, // 9.2:1
  refused: { color: '#820014', background: '#fff1f0', borderColor: '#a8071a' }, // 9.6:1
} as const;

export const theme: ThemeConfig = {
  token: {
    colorPrimary: palette.primary,
    colorInfo: palette.primary,
    colorLink: palette.primary,
    colorError: palette.error,
    colorWarning: palette.warning,
    colorSuccess: palette.success,
    colorTextSecondary: palette.secondaryText,
    colorTextDescription: palette.secondaryText,
    colorTextTertiary: palette.secondaryText,
    colorTextPlaceholder: '#6e6e6e', // 5.1:1
    colorBorder: '#8c8c8c', // input and select borders: 3.4:1, a visible control edge
    colorPrimaryBorder: palette.focus, // Ant Design draws focus outlines in this colour
    colorPrimaryBorderHover: palette.primaryHover,
    controlOutline: palette.focus,
    controlOutlineWidth: 2,
    lineWidthFocus: 2,
  },
  components: {
    Button: { colorPrimaryHover: palette.primaryHover, colorPrimaryActive: palette.primaryActive, colorErrorHover: '#a8071a', colorErrorActive: '#820014' },
    Menu: { itemSelectedColor: palette.primary, itemHoverColor: '#000000e0' },
    Table: { colorTextDisabled: palette.secondaryText },
  },
};

/**
 * The theme as this clerk's system asks for it: with "reduce motion" set (an accessibility setting
 * of Windows, macOS and GNOME), dialogs, help texts and lists appear and go without animation.
 */
export function themeForSystem(): ThemeConfig {
  const reduceMotion = typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;
  return reduceMotion ? { ...theme, token: { ...theme.token, motion: false } } : theme;
}
