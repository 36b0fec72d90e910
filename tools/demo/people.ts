/**
 * The units and people of the demo: those of the source document's flow table (資通建設科,
 * 葉彥志, the document-system vendor) and a few colleagues so that a flow has somewhere to go.
 */
export interface DemoUnit {
  id: string;
  name: string;
}

export interface DemoPerson {
  account: string;
  name: string;
  unitId: string;
  title: string;
}

export const demoUnits: DemoUnit[] = [
  { id: 'ict', name: '資通建設科' },
  { id: 'secretariat', name: '秘書室' },
  { id: 'planning', name: '綜合規劃科' },
];

export const demoPeople: DemoPerson[] = [
  { account: 'vendor', name: '公文系統廠商', unitId: 'ict', title: '廠商' },
  { account: 'yeh.yenchih', name: '葉彥志', unitId: 'ict', title: '科長' },
  { account: 'chen.chiming', name: '陳志明', unitId: 'ict', title: '科員' },
  { account: 'wang.meiling', name: '王美玲', unitId: 'ict', title: '專員' },
  { account: 'lin.shufen', name: '林淑芬', unitId: 'secretariat', title: '主任秘書' },
  { account: 'huang.kuowei', name: '黃國偉', unitId: 'planning', title: '科長' },
];

/** Every demo account logs in with this password; the README says so. */
export const DEMO_PASSWORD = 'gongwen-demo';

/** The temp-cert password of the demo's applications (IFT930), to enable them on a PC. */
export const DEMO_TEMP_CERT_PASSWORD = 'gongwen-temp';
