import { Button, Form, Input, Select, Space, Table, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ADMIN_API, Statistics, type StatisticsRow } from '../../src-shared/common/api/admin';
import { formatRocDateTime } from '../../src-shared/common/roc-date';
import { ConsoleError, withQuery } from '../api';
import { Chart, type ChartOption } from '../components/Chart';
import { OutcomeNotice } from '../components/Outcome';
import { PageHeading } from '../components/PageHeading';
import { SectionHeading } from '../components/SectionHeading';
import { useConsole } from '../console-context';
import { isoMonthOf, lastMonths, rocMonthOf } from '../roc-month';
import { useUnits } from '../use-units';

type Query = { from: string; to: string; unit?: string };

/** The month's figures over every unit shown: sums of the counts (medians do not add up, so they stay per unit). */
function byMonth(rows: StatisticsRow[]) {
  const months = new Map<
    string,
    { stepsSigned: number; tempSigned: number; self: number; onBehalf: number; paper: number; pending: number; overdue: number }
  >();
  for (const r of rows) {
    const m = months.get(r.month) ?? { stepsSigned: 0, tempSigned: 0, self: 0, onBehalf: 0, paper: 0, pending: 0, overdue: 0 };
    m.stepsSigned += r.stepsSigned;
    m.tempSigned += r.tempSigned;
    m.self += r.resigned.self;
    m.onBehalf += r.resigned.onBehalf;
    m.paper += r.resigned.paper;
    m.pending += r.pending;
    m.overdue += r.overdue;
    months.set(r.month, m);
  }
  return [...months.entries()].map(([month, m]) => ({ month: rocMonthOf(month), ...m }));
}

const percent = (share: number | null) => (share === null ? '' : `${Math.round(share * 1000) / 10}%`);

/** 統計: by month and unit, as charts (Apache ECharts) and a table, and as CSV. */
export function StatisticsPage() {
  const { t } = useTranslation();
  const { api } = useConsole();
  const units = useUnits();
  const initial = useMemo(() => lastMonths(12), []);
  const [query, setQuery] = useState<Query>(() => ({ from: isoMonthOf(initial.from)!, to: isoMonthOf(initial.to)! }));
  const [stats, setStats] = useState<Statistics | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    api.get(ADMIN_API.statistics, Statistics, query).then(
      (answer) => {
        if (!current) return;
        setStats(answer);
        setProblem(null);
      },
      (e: unknown) => current && setProblem(e instanceof ConsoleError ? e.message : String(e)),
    );
    return () => {
      current = false;
    };
  }, [api, query]);

  const months = useMemo(() => byMonth(stats?.rows ?? []), [stats]);
  const charts = useMemo(() => chartOptions(months, stats?.rows ?? [], t), [months, stats, t]);

  return (
    <>
      <PageHeading>{t('menu.statistics')}</PageHeading>
      <OutcomeNotice outcome={problem ? { kind: 'problem', text: problem } : null} />
      <Form
        layout="inline"
        role="search"
        aria-label={t('menu.statistics')}
        initialValues={initial}
        style={{ marginBottom: 16, rowGap: 8 }}
        onFinish={(v: { from: string; to: string; unit?: string }) => {
          const from = isoMonthOf(v.from);
          const to = isoMonthOf(v.to);
          if (!from || !to) return setProblem(t('statistics.monthInvalid'));
          setQuery({ from, to, unit: v.unit });
        }}
      >
        <Form.Item label={t('statistics.from')} name="from" rules={[{ required: true, message: t('statistics.monthHelp') }]}>
          <Input style={{ width: 100 }} placeholder={t('statistics.monthHelp')} />
        </Form.Item>
        <Form.Item label={t('statistics.to')} name="to" rules={[{ required: true, message: t('statistics.monthHelp') }]}>
          <Input style={{ width: 100 }} placeholder={t('statistics.monthHelp')} />
        </Form.Item>
        <Form.Item label={t('statistics.unit')} name="unit">
          <Select options={units.map((u) => ({ value: u.id, label: u.name }))} allowClear style={{ width: 160 }} placeholder={t('statistics.allUnits')} />
        </Form.Item>
        <Space>
          <Button type="primary" htmlType="submit">
            {t('statistics.show')}
          </Button>
          <Button href={withQuery(ADMIN_API.statisticsCsv, query)} download>
            {t('statistics.csv')}
          </Button>
        </Space>
      </Form>
      {stats && <Typography.Paragraph type="secondary">{t('statistics.asOf', { at: formatRocDateTime(stats.asOf) })}</Typography.Paragraph>}
      {stats && stats.rows.length === 0 && <Typography.Paragraph>{t('statistics.none')}</Typography.Paragraph>}
      {stats && stats.rows.length > 0 && (
        <>
          {charts.map((c) => (
            <section key={c.key} aria-label={c.title} style={{ marginBottom: 24 }}>
              <SectionHeading>{c.title}</SectionHeading>
              <Chart option={c.option} label={c.title} testId={`chart-${c.key}`} />
            </section>
          ))}
          <SectionHeading>{t('statistics.table')}</SectionHeading>
          <Table<StatisticsRow>
            size="small"
            rowKey={(r) => `${r.month} ${r.unitId}`}
            dataSource={stats.rows}
            pagination={{ pageSize: 24, hideOnSinglePage: true }}
            data-testid="statistics-table"
            columns={[
              { title: t('statistics.month'), render: (_, r) => rocMonthOf(r.month) },
              { title: t('statistics.unit'), dataIndex: 'unitName' },
              { title: t('statistics.stepsSigned'), dataIndex: 'stepsSigned' },
              { title: t('statistics.tempShare'), render: (_, r) => percent(r.tempShare) },
              { title: t('statistics.self'), render: (_, r) => r.resigned.self },
              { title: t('statistics.onBehalf'), render: (_, r) => r.resigned.onBehalf },
              { title: t('statistics.paper'), render: (_, r) => r.resigned.paper },
              { title: t('statistics.pending'), dataIndex: 'pending' },
              { title: t('statistics.overdue'), dataIndex: 'overdue' },
              { title: t('statistics.median'), render: (_, r) => r.daysToResign.median ?? '' },
              { title: t('statistics.p90'), render: (_, r) => r.daysToResign.p90 ?? '' },
            ]}
          />
        </>
      )}
    </>
  );
}

type Months = ReturnType<typeof byMonth>;
type MonthFigure = Exclude<keyof Months[number], 'month'>;

/** The four charts of the issue: steps and temp share, 補簽 by way, pending and overdue, days to 補簽 (per unit and month). */
function chartOptions(months: Months, rows: StatisticsRow[], t: (key: string) => string): { key: string; title: string; option: ChartOption }[] {
  const common = { tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 48, right: 48, top: 40, bottom: 32 } };
  /** Bars of monthly figures, one series per figure (stacked when `stack` is given). */
  const monthBars = (figures: MonthFigure[], stack?: string) => ({
    ...common,
    xAxis: { type: 'category', data: months.map((m) => m.month) },
    yAxis: { type: 'value' },
    series: figures.map((f) => ({ type: 'bar', name: t(`statistics.${f}`), data: months.map((m) => m[f]), ...(stack ? { stack } : {}) })),
  });
  const share = months.map((m) => (m.stepsSigned ? Math.round((m.tempSigned / m.stepsSigned) * 1000) / 10 : 0));
  const signed = monthBars(['stepsSigned']);
  return [
    {
      key: 'signed',
      title: t('statistics.signedChart'),
      option: {
        ...signed,
        yAxis: [
          { type: 'value', name: t('statistics.stepsSigned') },
          { type: 'value', name: '%', max: 100 },
        ],
        series: [...signed.series, { type: 'line', name: t('statistics.tempShare'), yAxisIndex: 1, data: share }],
      },
    },
    { key: 'resign', title: t('statistics.resignChart'), option: monthBars(['self', 'onBehalf', 'paper'], 'resign') },
    { key: 'pending', title: t('statistics.pendingChart'), option: monthBars(['pending', 'overdue']) },
    {
      key: 'days',
      title: t('statistics.daysChart'),
      option: {
        ...common,
        xAxis: { type: 'category', data: rows.map((r) => `${rocMonthOf(r.month)} ${r.unitName}`) },
        yAxis: { type: 'value' },
        series: (['median', 'p90'] as const).map((f) => ({ type: 'bar', name: t(`statistics.${f}`), data: rows.map((r) => r.daysToResign[f] ?? 0) })),
      },
    },
  ];
}
