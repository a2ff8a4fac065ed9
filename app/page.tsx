export default function HomePage() {
  return <main className="p-8">AI Hub</main>;
}
