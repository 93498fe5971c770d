import { TreeSelect } from 'antd';
import { useMemo } from 'react';
import type { Department } from '../api/shapes.ts';
import { buildDepartmentTree, type DepartmentNode } from '../lib/department-tree.ts';

interface TreeOption {
  value: string;
  title: string;
  disabled?: boolean;
  children: TreeOption[];
}

interface Props {
  departments: readonly Department[] | undefined;
  value?: string | null;
  onChange?(value: string | undefined): void;
  placeholder?: string;
  allowClear?: boolean;
  /** Departments that may not be chosen (e.g. a department's own subtree as its parent). */
  disabledIds?: Set<string>;
  style?: React.CSSProperties;
  id?: string;
}

/** Picks a department from the tree; searchable by name. Works as an antd Form control. */
export function DepartmentSelect({ departments, value, onChange, placeholder, allowClear, disabledIds, style, id }: Props) {
  const treeData = useMemo(() => {
    const toOption = (n: DepartmentNode): TreeOption => ({
      value: n.department.id,
      title: n.department.name,
      disabled: disabledIds?.has(n.department.id),
      children: n.children.map(toOption),
    });
    return buildDepartmentTree(departments ?? []).map(toOption);
  }, [departments, disabledIds]);
  return (
    <TreeSelect
      id={id}
      treeData={treeData}
      value={value ?? undefined}
      onChange={(v) => onChange?.(v ?? undefined)}
      placeholder={placeholder}
      allowClear={allowClear}
      showSearch={{ treeNodeFilterProp: 'title' }}
      treeDefaultExpandAll
      loading={departments === undefined}
      style={style ?? { width: '100%' }}
    />
  );
}
