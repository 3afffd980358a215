// The time-range picker: the last 15m ... 30d, a custom range (two dates), or the fixed range of
// a zoom (shown with a "Back" button, which is the browser's: every zoom is a history entry).
import { h } from './dom';
import { RANGES, rangeFromParams } from './time';
import { navigate } from './url';

// A Unix time as a datetime-local input's value (the browser's time zone), and back.
function toLocalInput(seconds: number): string {
  const d = new Date(seconds * 1000 - new Date(seconds * 1000).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

export function rangePicker(params: URLSearchParams, fallback = '1h'): HTMLElement {
  const fixed = params.has('from') && params.has('to');
  const current = params.get('range') ?? fallback;
  const range = rangeFromParams(params, fallback);
  const select = h('select', { name: 'range', 'aria-label': 'time range' },
    ...(fixed ? [h('option', { value: '', selected: true }, range.label)] : []),
    ...RANGES.map((r) => h('option', { value: r, selected: !fixed && r === current },
                           `last ${r}`)),
    h('option', { value: 'custom' }, 'custom…'));
  const from = h('input', { type: 'datetime-local', name: 'from', value: toLocalInput(range.start),
                            'aria-label': 'from' });
  const to = h('input', { type: 'datetime-local', name: 'to', value: toLocalInput(range.end),
                          'aria-label': 'to' });
  const custom = h('form', { class: 'custom-range', hidden: true },
    from, ' to ', to, h('button', { type: 'submit', name: 'apply-range' }, 'Apply'));
  custom.addEventListener('submit', (e) => {
    e.preventDefault();
    const start = new Date(from.value).getTime() / 1000;
    const end = new Date(to.value).getTime() / 1000;
    if (!(start < end)) {
      to.setCustomValidity('the end must come after the start');
      to.reportValidity();
      return;
    }
    navigate({ from: String(Math.floor(start)), to: String(Math.ceil(end)), range: undefined });
  });
  select.addEventListener('change', () => {
    custom.hidden = select.value !== 'custom';
    if (select.value && select.value !== 'custom') {
      navigate({ range: select.value, from: undefined, to: undefined });
    }
  });
  return h('span', { class: 'range-picker' }, select, custom,
    fixed ? h('button', { type: 'button', name: 'back', onclick: () => history.back() }, 'Back')
      : null);
}
