import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const files = [
  'infra/avatar-pipeline-stack.ts',
  ...readdirSync(`${root}infra/constructs`)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => `infra/constructs/${file}`),
];

interface Prop {
  interfaceName: string;
  where: string;
  readonly: boolean;
  optional: boolean;
  documented: boolean;
  hasDefault: boolean;
}

/** Every member of every exported `*Props` interface of a file, as its source declares it. */
function propsOf(file: string): Prop[] {
  const source = ts.createSourceFile(
    file,
    readFileSync(`${root}${file}`, 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  return source.statements
    .filter((statement): statement is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(statement))
    .filter((declaration) => declaration.name.text.endsWith('Props'))
    .flatMap((declaration) =>
      declaration.members.filter(ts.isPropertySignature).map((member) => {
        const docs = ts.getJSDocCommentsAndTags(member).filter(ts.isJSDoc);
        return {
          interfaceName: declaration.name.text,
          where: `${file}: ${declaration.name.text}.${member.name.getText(source)}`,
          readonly: member.modifiers?.some((m) => m.kind === ts.SyntaxKind.ReadonlyKeyword) ?? false,
          optional: member.questionToken !== undefined,
          documented: docs.some((doc) => ts.getTextOfJSDocComment(doc.comment)?.trim()),
          hasDefault: docs.some((doc) => doc.tags?.some((tag) => tag.tagName.text === 'default')),
        };
      }),
    );
}

describe('construct props (readonly, documented, optional ones with @default)', () => {
  const props = files.flatMap(propsOf);

  test('every construct file with props is read, the stack and the workflows included', () => {
    // Prepare
    const all = props;
    // Act
    const names = [...new Set(all.map((prop) => prop.interfaceName))];
    // Assess
    expect(names).toEqual(
      expect.arrayContaining([
        'AvatarPipelineStackProps',
        'PipelineFunctionProps',
        'TrainingProps',
        'GenerationProps',
        'WorkflowStateMachineProps',
        'SharpLayerProps',
      ]),
    );
  });

  test('every prop is readonly', () => {
    // Prepare
    const all = props;
    // Act
    const writable = all.filter((prop) => !prop.readonly).map((prop) => prop.where);
    // Assess
    expect(writable).toEqual([]);
  });

  test('every required prop has a doc comment saying what it is', () => {
    // Prepare
    const required = props.filter((prop) => !prop.optional);
    // Act
    const undocumented = required.filter((prop) => !prop.documented).map((prop) => prop.where);
    // Assess
    expect(undocumented).toEqual([]);
  });

  test('every optional prop says what it is and its @default', () => {
    // Prepare
    const optional = props.filter((prop) => prop.optional);
    // Act
    const incomplete = optional
      .filter((prop) => !prop.documented || !prop.hasDefault)
      .map((prop) => prop.where);
    // Assess
    expect(optional.length).toBeGreaterThan(0);
    expect(incomplete).toEqual([]);
  });
});
