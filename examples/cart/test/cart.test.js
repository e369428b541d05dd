'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { lineTotal, cartTotal, formatCents } = require('../src/cart');

const apple = { name: 'apple', price: 120, quantity: 3 };
const bread = { name: 'bread', price: 250, quantity: 1 };
const milk = { name: 'milk', price: 99, quantity: 2 };

test('lineTotal multiplies price by quantity', () => {
  assert.equal(lineTotal(apple), 360);
});

test('an empty cart costs nothing', () => {
  assert.equal(cartTotal([]), 0);
});

test('a cart with one item costs that item', () => {
  assert.equal(cartTotal([bread]), 250);
});

test('a cart adds up every item', () => {
  assert.equal(cartTotal([apple, bread, milk]), 360 + 250 + 198);
});

test('a discount is taken off the total, rounded to the cent', () => {
  assert.equal(cartTotal([apple, bread, milk], 10), 808 - 81);
});

test('formatCents writes dollars and cents', () => {
  assert.equal(formatCents(80899), '$808.99');
  assert.equal(formatCents(-5), '-$0.05');
});
