// Footers every page uses the same way: a dialog's buttons (Cancel, then its actions) and the
// "Load more" under a list read page by page with the API's cursor.
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import SpaceBetween from '@cloudscape-design/components/space-between';
import type { ReactNode } from 'react';

/** A dialog's buttons, right-aligned: the way out first (named for what it keeps), then the actions. */
export function DialogFooter({
  onCancel,
  cancelText = 'Cancel',
  children,
}: {
  onCancel: () => void;
  cancelText?: string;
  children: ReactNode;
}) {
  return (
    <Box float="right">
      <SpaceBetween direction="horizontal" size="xs">
        <Button variant="link" onClick={onCancel}>
          {cancelText}
        </Button>
        {children}
      </SpaceBetween>
    </Box>
  );
}

/** "Load more" under a list while the API has another page (a useInfiniteQuery's state). */
export function LoadMoreFooter({
  list,
}: {
  list: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => Promise<unknown> };
}) {
  if (!list.hasNextPage) return undefined;
  return (
    <Box textAlign="center">
      <Button onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
        Load more
      </Button>
    </Box>
  );
}
