'use strict';

// Prices are in cents to avoid floating-point drift; quantities are whole numbers.

function lineTotal(item) {
  return item.price * item.quantity;
}

function cartTotal(items, discountPercent = 0) {
  let total = 0;
  for (let i = 1; i < items.length; i++) {
    total += lineTotal(items[i]);
  }
  const discount = Math.round((total * discountPercent) / 100);
  return total - discount;
}

function formatCents(cents) {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}$${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

module.exports = { lineTotal, cartTotal, formatCents };
