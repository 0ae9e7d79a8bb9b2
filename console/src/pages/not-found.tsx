import { PageHeader } from '../components/ui';
import { useTitle } from '../hooks';
import { Link } from '../router';

export function NotFoundPage() {
  useTitle('Page not found');
  return (
    <>
      <PageHeader title="Page not found" description="There is no console page at this address." />
      <p>
        <Link to="/clients">Go to API access</Link>
      </p>
    </>
  );
}
