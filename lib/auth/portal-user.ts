/** The signed-in person as pages and route handlers see them. */
export interface PortalUser {
  id: string;
  username: string;
  name: string | null;
  email: string | null;
  /** IAM groups at the last login, normalised (no leading slash). */
  groups: string[];
  /** Computed from groups at every login: "researcher", "organiser", "admin". */
  roles: string[];
}
