import { plainJsonPath } from '../../nodes/common/itemParameters';

describe('plainJsonPath recognises only a plain field path on $json', () => {
	test.each<[string, unknown, string[] | undefined]>([
		['dot path', '={{ $json.subject }}', ['subject']],
		['nested', '={{ $json.order.lines }}', ['order', 'lines']],
		['no spaces', '={{$json.a}}', ['a']],
		['bracket, double quotes', '={{ $json["x-y"] }}', ['x-y']],
		['bracket, single quotes', "={{ $json['a b'].c }}", ['a b', 'c']],
		['$ and _ in names', '={{ $json.$id._v2 }}', ['$id', '_v2']],
		['a method call', '={{ $json.subject.toUpperCase() }}', undefined],
		['concatenation', '={{ $json.a + "." + $json.b }}', undefined],
		['another item', '={{ $("Set").item.json.a }}', undefined],
		['text around the expression', '=orders.{{ $json.a }}', undefined],
		['two expressions', '={{ $json.a }}{{ $json.b }}', undefined],
		['numeric index', '={{ $json.list[0] }}', undefined],
		['$json alone', '={{ $json }}', undefined],
		['not an expression', '$json.subject', undefined],
		['a number', 5, undefined],
	])('%s', (_name, raw, expected) => {
		expect(plainJsonPath(raw)).toEqual(expected);
	});
});
