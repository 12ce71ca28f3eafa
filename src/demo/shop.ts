/**
 * The demo's sample shop: customers, products and orders with the types people capture most
 * (numeric money, timestamptz, jsonb, text), and a live workload that keeps changing them.
 */
import pg from 'pg';

export async function createShopSchema(url: string, rows: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`
    CREATE TABLE customers (id bigserial PRIMARY KEY, name text NOT NULL, email text UNIQUE, created_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE products (id serial PRIMARY KEY, title text NOT NULL, price numeric(10,2) NOT NULL, attributes jsonb);
    CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers, product_id int NOT NULL REFERENCES products,
                         quantity int NOT NULL, total numeric(12,2) NOT NULL, status text NOT NULL DEFAULT 'new', ordered_at timestamptz NOT NULL DEFAULT now());`);
  await client.query(`INSERT INTO customers (name, email) SELECT 'Customer ' || g, 'c' || g || '@example.com' FROM generate_series(1, $1) g`, [rows]);
  await client.query(
    `INSERT INTO products (title, price, attributes) SELECT 'Product ' || g, round((random() * 200)::numeric, 2), jsonb_build_object('color', (ARRAY['red','green','blue'])[1 + g % 3]) FROM generate_series(1, $1) g`,
    [rows],
  );
  await client.query(
    `INSERT INTO orders (customer_id, product_id, quantity, total) SELECT 1 + g % $1, 1 + g % $1, 1 + g % 5, (1 + g % 5) * 9.99 FROM generate_series(1, $1) g`,
    [rows],
  );
  await client.query('ANALYZE');
  await client.end();
}

export interface ShopWorkload {
  transactions(): number;
  stop(): Promise<void>;
}

export function startShopWorkload(url: string): ShopWorkload {
  let running = true;
  let count = 0;
  const done = (async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    while (running) {
      await client.query('BEGIN');
      const { rows } = await client.query<{ id: string }>(
        `INSERT INTO customers (name, email) VALUES ('New customer', 'n' || nextval('customers_id_seq') || '@example.com') RETURNING id`,
      );
      await client.query(
        `INSERT INTO orders (customer_id, product_id, quantity, total) SELECT $1, id, 2, price * 2 FROM products ORDER BY random() LIMIT 1`,
        [rows[0]!.id],
      );
      await client.query(`UPDATE orders SET status = 'shipped' WHERE id = (SELECT id FROM orders WHERE status = 'new' ORDER BY random() LIMIT 1)`);
      await client.query(`UPDATE products SET price = price + 0.01 WHERE id = (SELECT 1 + floor(random() * (SELECT count(*) FROM products))::int)`);
      await client.query(`DELETE FROM orders WHERE id = (SELECT min(id) FROM orders WHERE status = 'shipped')`);
      await client.query('COMMIT');
      count++;
      await new Promise((r) => setTimeout(r, 5));
    }
    await client.end();
  })();
  return {
    transactions: () => count,
    async stop() {
      running = false;
      await done;
    },
  };
}
