import type { Department } from '../api/shapes.ts';

export interface DepartmentNode {
  department: Department;
  children: DepartmentNode[];
}

/**
 * The API lists departments flat; the tree is built here from parentId. A department whose parent
 * is missing (not visible, or deleted) is shown at the top level rather than dropped.
 */
export function buildDepartmentTree(items: readonly Department[]): DepartmentNode[] {
  const nodes = new Map(items.map((d) => [d.id, { department: d, children: [] as DepartmentNode[] }]));
  const roots: DepartmentNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.department.parentId ? nodes.get(node.department.parentId) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  const sort = (list: DepartmentNode[]) => {
    list.sort((a, b) => a.department.name.localeCompare(b.department.name, 'zh-CN'));
    list.forEach((n) => sort(n.children));
  };
  sort(roots);
  return roots;
}

/** Ids of a department and everything below it (a department cannot move under these). */
export function subtreeIds(items: readonly Department[], rootId: string): Set<string> {
  const out = new Set<string>([rootId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const d of items) {
      if (d.parentId && out.has(d.parentId) && !out.has(d.id)) {
        out.add(d.id);
        grew = true;
      }
    }
  }
  return out;
}
