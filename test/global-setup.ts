// Placeholder until the database harness lands: integration tests will get a fresh PostgreSQL here.
export default async function setup(): Promise<void> {}
