// The time-range picker: the last 15m ... 30d, or the fixed range of a zoom (shown with a
// "Back" button, which is the browser's: every zoom is a history entry).
import { h } from './dom';
import { RANGES, rangeFromParams } from './time';
import { navigate } from './url';

export function rangePicker(params: URLSearchParams, fallback = '1h'): HTMLElement {
  const fixed = params.has('from') && params.has('to');
  const current = params.get('range') ?? fallback;
  const select = h('select', { name: 'range', 'aria-label': 'time range' },
    ...(fixed ? [h('option', { value: '', selected: true }, rangeFromParams(params).label)] : []),
    ...RANGES.map((r) => h('option', { value: r, selected: !fixed && r === current },
                           `last ${r}`)));
  select.addEventListener('change', () => {
    if (select.value) navigate({ range: select.value, from: undefined, to: undefined });
  });
  return h('span', { class: 'range-picker' }, select,
    fixed ? h('button', { type: 'button', name: 'back', onclick: () => history.back() }, 'Back')
      : null);
}
