import { useCallback, useEffect, useState } from 'react';
import { sentenceOf } from './bridge';

interface Loaded<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
}

/**
 * Loads something from the main process, with the states a screen shows: loading, error sentence,
 * data. `deps` work as an effect's do: when one changes, it loads again; `reload()` loads again now.
 * An answer that arrives after the screen moved on (or after a newer load) is dropped.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<Loaded<T>>({ data: undefined, error: null, loading: true });
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => {
    setState((s) => ({ ...s, loading: true }));
    setGeneration((g) => g + 1);
  }, []);
  const setData = useCallback((data: T) => setState({ data, error: null, loading: false }), []);
  useEffect(() => {
    let current = true;
    load().then(
      (data) => current && setState({ data, error: null, loading: false }),
      (e: unknown) => current && setState((s) => ({ ...s, error: sentenceOf(e), loading: false })),
    );
    return () => {
      current = false;
    };
    // `deps` are the caller's, exactly as an effect's own; `load` is a new closure each render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, generation]);
  return { ...state, reload, setData };
}
