/** The screens in the top navigation, in order. A screen shows once its route is registered
 * (router.ts) and the user has one of its roles (none listed: everyone logged in). */
export interface NavItem {
  route: string;
  label: string; // i18n key
  roles?: string[];
}

export const NAV: NavItem[] = [
  { route: "dispatch", label: "nav.dispatch" },
  { route: "roster", label: "nav.roster" },
  { route: "plans", label: "nav.plans" },
  { route: "resources", label: "nav.resources" },
  { route: "drills", label: "nav.drills", roles: ["admin", "leader", "duty_officer", "drill_coordinator"] },
  { route: "admin", label: "nav.admin", roles: ["admin", "leader", "duty_officer"] },
];

export function visibleNav(hasRoute: (name: string) => boolean, roles: readonly string[]): NavItem[] {
  return NAV.filter((item) => hasRoute(item.route) && (!item.roles || item.roles.some((r) => roles.includes(r))));
}
