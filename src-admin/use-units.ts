import { useEffect, useState } from 'react';
import { ADMIN_API, AdminUnitList, type AdminUnit } from '../src-shared/common/api/admin';
import { useConsole } from './console-context';

/** The agency's units, for the unit filters; empty until known (or when this role may not list them). */
export function useUnits(generation = 0): AdminUnit[] {
  const { api } = useConsole();
  const [units, setUnits] = useState<AdminUnit[]>([]);
  useEffect(() => {
    let current = true;
    api.get(ADMIN_API.units, AdminUnitList).then(
      (answer) => current && setUnits(answer.units),
      () => current && setUnits([]),
    );
    return () => {
      current = false;
    };
  }, [api, generation]);
  return units;
}
