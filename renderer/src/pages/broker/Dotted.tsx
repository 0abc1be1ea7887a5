// A dotted name (queue, vhost: "se3.up.G339XP5VFZ….results") that may wrap after any dot, so a
// narrow column breaks it between its parts before it breaks inside one. Its text is unchanged.
import { Fragment } from 'react';

export function Dotted({ text }: { text: string }) {
  return (
    <>
      {text.split(/(?<=\.)/).map((part, i) => (
        <Fragment key={i}>
          {i > 0 && <wbr />}
          {part}
        </Fragment>
      ))}
    </>
  );
}
