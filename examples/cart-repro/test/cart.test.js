'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { lineTotal, cartTotal, formatCents } = require('../src/cart');

const apple = { name: 'apple', price: 120, quantity: 3 };

test('lineTotal multiplies price by quantity', () => {
  assert.equal(lineTotal(apple), 360);
});

test('an empty cart costs nothing', () => {
  assert.equal(cartTotal([]), 0);
});

test('formatCents writes dollars and cents', () => {
  assert.equal(formatCents(80899), '$808.99');
  assert.equal(formatCents(-5), '-$0.05');
});
