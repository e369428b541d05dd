import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainBwrapFailure } from '../../../../src/core/sandbox/detectSandbox';

// What bwrap 0.4–0.8 print where user namespaces are off or blocked (Debian sysctl, Ubuntu 24.04
// AppArmor, a container's seccomp profile).
const blocked = [
  "bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces. On e.g. debian this can be enabled with 'sysctl kernel.unprivileged_userns_clone=1'.",
  'bwrap: setting up uid map: Permission denied',
  'bwrap: Creating new namespace failed: Operation not permitted',
  'bwrap: loopback: Failed RTM_NEWADDR: Operation not permitted',
];

test('blocked user namespaces: the reason quotes bwrap, the hint says how to allow them', () => {
  for (const stderr of blocked) {
    const { reason, hint } = explainBwrapFailure(stderr);
    assert.ok(reason.endsWith(stderr));
    assert.match(hint, /unprivileged_userns_clone/);
    assert.match(hint, /apparmor_restrict_unprivileged_userns/);
    assert.match(hint, /hydrapatch\.sandbox/);
  }
});

test('a blocked mount points at the container, anything else at checking bwrap by hand', () => {
  assert.match(explainBwrapFailure("bwrap: Can't mount proc on /newroot/proc: Device or resource busy").hint, /container/);
  const other = explainBwrapFailure('bwrap: Unexpected capability');
  assert.match(other.reason, /Unexpected capability/);
  assert.match(other.hint, /bwrap --ro-bind \/ \/ true/);
});
