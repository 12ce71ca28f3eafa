import { describe, expect, it } from 'vitest';
import { arraySchema, connectField, connectSchema, decimalSchema, semantic, variableScaleDecimalSchema } from './connect-schemas.js';

describe('connectSchema', () => {
  it('writes keys in JsonConverter’s order: type, items/fields, optional, name, version, parameters', () => {
    const decimal = connectSchema(decimalSchema(2, 7), true);
    expect(Object.keys(decimal)).toEqual(['type', 'optional', 'name', 'version', 'parameters']);
    expect(decimal.parameters).toEqual({ scale: '2', 'connect.decimal.precision': '7' });

    const array = connectSchema(arraySchema(semantic('string', 'io.debezium.data.Uuid'), true), false);
    expect(JSON.stringify(array)).toBe('{"type":"array","items":{"type":"string","optional":true,"name":"io.debezium.data.Uuid","version":1},"optional":false}');

    const struct = connectSchema(variableScaleDecimalSchema(), true);
    expect(JSON.stringify(struct)).toBe(
      '{"type":"struct","fields":[{"type":"int32","optional":false,"field":"scale"},{"type":"bytes","optional":false,"field":"value"}],' +
        '"optional":true,"name":"io.debezium.data.VariableScaleDecimal","version":1}',
    );
  });
});

describe('connectField', () => {
  it('appends the source parameters after the schema’s own and the field name last', () => {
    const field = connectField('price', decimalSchema(2, 7), false, { '__debezium.source.column.type': 'NUMERIC' });
    expect(JSON.stringify(field)).toBe(
      '{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,' +
        '"parameters":{"scale":"2","connect.decimal.precision":"7","__debezium.source.column.type":"NUMERIC"},"field":"price"}',
    );
  });
});
