/*
 * Test helper (built by object.libbpf.test.ts with the system libbpf): opens a BPF object with
 * libbpf, without loading it, and prints what libbpf sees, one item per line:
 *   prog <name> <section> <prog type> <expected attach type> <insn count>
 *   map <name> <map type> <key size> <value size> <max entries> <flags>
 * With -l it also loads the object into the kernel and prints each program's final instructions
 * (after libbpf's relocation and subprogram linking) as 16 hex digits per slot:
 *   insns <name> <slot> <slot> ...
 * Exit status 2 when libbpf cannot open the object, 3 when it cannot load it.
 */
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

static int quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level; (void)fmt; (void)args;
	return 0;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;

	int load = argc == 3 && strcmp(argv[1], "-l") == 0;

	if (argc != 2 && !load)
		return 1;
	libbpf_set_print(quiet);
	obj = bpf_object__open_file(argv[argc - 1], NULL);
	if (!obj)
		return 2;
	bpf_object__for_each_program(prog, obj)
		printf("prog %s %s %d %d %zu\n", bpf_program__name(prog), bpf_program__section_name(prog),
		       bpf_program__type(prog), bpf_program__expected_attach_type(prog), bpf_program__insn_cnt(prog));
	bpf_object__for_each_map(map, obj)
		printf("map %s %d %u %u %u %u\n", bpf_map__name(map), bpf_map__type(map), bpf_map__key_size(map),
		       bpf_map__value_size(map), bpf_map__max_entries(map), bpf_map__map_flags(map));
	if (load) {
		if (bpf_object__load(obj))
			return 3;
		bpf_object__for_each_program(prog, obj) {
			const unsigned char *p = (const unsigned char *)bpf_program__insns(prog);
			size_t i, n = bpf_program__insn_cnt(prog) * sizeof(struct bpf_insn);

			printf("insns %s", bpf_program__name(prog));
			for (i = 0; i < n; i++)
				printf(i % 8 ? "%02x" : " %02x", p[i]);
			printf("\n");
		}
	}
	bpf_object__close(obj);
	return 0;
}
