CREATE TABLE customers (
    id serial PRIMARY KEY,
    name text NOT NULL,
    email text NOT NULL,
    card_last4 char(4) NOT NULL
);
INSERT INTO customers (name, email, card_last4) VALUES
    ('Ada Lovelace', 'ada@example.org', '4242'),
    ('Grace Hopper', 'grace@example.org', '1337'),
    ('Alan Turing', 'alan@example.org', '1912');
CREATE TABLE orders (
    id serial PRIMARY KEY,
    customer_id integer NOT NULL REFERENCES customers(id),
    product text NOT NULL,
    total_cents integer NOT NULL
);
INSERT INTO orders (customer_id, product, total_cents) VALUES
    (1, 'Hardware security key', 4500),
    (2, 'Rubber duck (debugging edition)', 499);
