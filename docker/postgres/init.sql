-- The sample schema the compose stack starts with: what connectors/postgres-source.json captures.
CREATE TABLE customers (id bigserial PRIMARY KEY, name text NOT NULL, email text UNIQUE, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE products (id serial PRIMARY KEY, title text NOT NULL, price numeric(10,2) NOT NULL, attributes jsonb);
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers, product_id int NOT NULL REFERENCES products,
                     quantity int NOT NULL, total numeric(12,2) NOT NULL, status text NOT NULL DEFAULT 'new', ordered_at timestamptz NOT NULL DEFAULT now());
INSERT INTO customers (name, email) SELECT 'Customer ' || g, 'c' || g || '@example.com' FROM generate_series(1, 1000) g;
INSERT INTO products (title, price, attributes) SELECT 'Product ' || g, (g % 200) + 0.99, jsonb_build_object('color', (ARRAY['red','green','blue'])[1 + g % 3]) FROM generate_series(1, 100) g;
INSERT INTO orders (customer_id, product_id, quantity, total) SELECT 1 + g % 1000, 1 + g % 100, 1 + g % 5, (1 + g % 5) * 9.99 FROM generate_series(1, 5000) g;
