import type { TablePaginationConfig } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { z } from 'zod';
import { ConsoleError } from './api';
import { useConsole } from './console-context';

type Filter = Record<string, string | number | boolean | undefined>;
interface Paged {
  total: number;
  offset: number;
  limit: number;
}

/**
 * One paged, filtered list of the service: the filter and the page are sent as the query (the
 * database pages and filters; the page never holds more than one page of rows). A refusal is the
 * catalogue's sentence in `problem`.
 */
export function useList<S extends z.ZodType<Paged>>(path: string, schema: S, initialFilter: Filter = {}, pageSize = 20) {
  const { api } = useConsole();
  const { t } = useTranslation();
  const [filter, setFilter] = useState<Filter>(initialFilter);
  const [offset, setOffset] = useState(0);
  const [limit, setLimit] = useState(pageSize);
  const [page, setPage] = useState<z.output<S> | null>(null);
  const [loading, setLoading] = useState(true);
  const [problem, setProblem] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);

  useEffect(() => {
    let current = true;
    api.get(path, schema, { ...filter, offset, limit }).then(
      (answer) => {
        if (!current) return;
        setPage(answer);
        setProblem(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (!current) return;
        setProblem(e instanceof ConsoleError ? e.message : String(e));
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [api, path, schema, filter, offset, limit, generation]);

  const pagination: TablePaginationConfig = {
    current: Math.floor(offset / limit) + 1,
    pageSize: limit,
    total: page?.total ?? 0,
    showSizeChanger: true,
    pageSizeOptions: [20, 50, 100],
    showTotal: (count) => t('common.total', { count }),
    onChange: (number, size) => {
      setLoading(true);
      setLimit(size);
      setOffset((number - 1) * size);
    },
  };
  return {
    page,
    loading,
    problem,
    pagination,
    /** A new filter starts again at the first page. */
    applyFilter: useCallback((next: Filter) => {
      setLoading(true);
      setFilter(next);
      setOffset(0);
    }, []),
    reload: useCallback(() => {
      setLoading(true);
      setGeneration((g) => g + 1);
    }, []),
  };
}
