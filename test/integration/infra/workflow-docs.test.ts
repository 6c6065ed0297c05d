import { synthesizePipeline } from '../../../local/runtime/synthesized-pipeline.js';
import {
  BEGIN_MARKER,
  END_MARKER,
  firstDifference,
  humanDuration,
  MissingMarkersError,
  readmeProblems,
  renderWorkflowSection,
  replaceGeneratedSection,
  statesNamedInProse,
  type WorkflowReadme,
  workflowReadmes,
} from '../../../state-machines/workflow-docs.js';

// One in-process synth (tokens resolved as the local runtime resolves them) for the whole file.
const pipeline = synthesizePipeline();
const readmes = workflowReadmes(pipeline);

describe('the workflow READMEs', () => {
  test('there is one README per synthesized workflow', () => {
    // Prepare
    const workflows = pipeline.workflows.map((workflow) => workflow.workflow).sort();
    // Act
    const documented = readmes.map((readme) => readme.path).sort();
    // Assess
    expect(workflows).toEqual(['erasure', 'generation', 'training', 'webhooks']);
    expect(documented).toEqual(workflows.map((workflow) => `state-machines/${workflow}/README.md`));
  });

  test.each(readmes.map((readme) => [readme.path, readme] as const))(
    '%s states what the synthesized definition says (run `npm run docs:workflows` if not)',
    (_path, readme) => {
      // Prepare
      const { path } = readme;
      // Act
      const problems = readmeProblems(readme);
      // Assess
      expect(path).toMatch(/^state-machines\/\w+\/README\.md$/);
      expect(problems).toEqual([]);
    },
  );

  test.each(readmes.map((readme) => [readme.path, readme] as const))(
    '%s gives the execution timeout of the synthesized definition',
    (_path, readme) => {
      // Prepare
      const workflow = pipeline.workflows.find((w) => w.workflow === readme.workflow);
      const timeout = workflow?.definition.TimeoutSeconds as number;
      // Act
      const section = readme.committed.slice(
        readme.committed.indexOf(BEGIN_MARKER),
        readme.committed.indexOf(END_MARKER),
      );
      // Assess
      expect(timeout).toBeGreaterThan(0);
      expect(section).toMatch(
        new RegExp(`^\\| Execution timeout \\| ${timeout} s \\(${humanDuration(timeout)}\\) +\\|$`, 'm'),
      );
    },
  );

  test('every state of every workflow, Map item processors included, has a row and a node', () => {
    // Prepare
    const stateNames = (definition: { States: Record<string, { ItemProcessor?: unknown }> }): string[] =>
      Object.entries(definition.States).flatMap(([name, state]) => [
        name,
        ...(state.ItemProcessor ? stateNames(state.ItemProcessor as never) : []),
      ]);
    for (const workflow of pipeline.workflows) {
      // Act
      const section = renderWorkflowSection(workflow, pipeline);
      // Assess
      for (const name of stateNames(workflow.definition)) {
        expect(section).toMatch(new RegExp(`^\\| \`${name}\`( \\(in \`\\w+\`\\))? \\|`, 'm'));
        expect(section).toMatch(new RegExp(`^ +(${name}[[{(]|subgraph ${name} )`, 'm'));
      }
    }
  });

  test('the Map item processors are subgraphs of the flowchart', () => {
    // Prepare
    const generation = pipeline.workflows.find((workflow) => workflow.workflow === 'generation');
    // Act
    const section = renderWorkflowSection(generation as never, pipeline);
    // Assess
    expect(section).toContain('subgraph GenerateImages ["GenerateImages (Map, 2 at a time)"]');
    expect(section).toContain('GenerateScreenedImage -.->|"catch States.ALL"| RecordImageFailure');
  });
});

describe('drift detection', () => {
  const training = readmes.find((readme) => readme.workflow === 'training') as WorkflowReadme;

  test('a README edited inside the markers fails, naming the README and the first differing line', () => {
    // Prepare
    const lines = training.committed.split('\n');
    const timeoutLine = lines.findIndex((line) => line.startsWith('| Execution timeout'));
    lines[timeoutLine] = '| Execution timeout | 3600 s (1 hour) |';
    const edited: WorkflowReadme = { ...training, committed: lines.join('\n') };
    // Act
    const problems = readmeProblems(edited);
    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(
      `state-machines/training/README.md differs from the synthesized training definition at line ${timeoutLine + 1}:`,
    );
    expect(problems[0]).toContain('committed: | Execution timeout | 3600 s (1 hour) |');
    expect(problems[0]).toMatch(/generated: \| Execution timeout \| 259200 s \(3 days\)/);
  });

  test('prose that names a state the definition lacks at the head of a list item fails', () => {
    // Prepare
    const prose = `${training.committed}\n- \`SubjectAccepted\`: the old end of the first part.\n`;
    const names = new Set(pipeline.workflows.flatMap((w) => Object.keys(w.definition.States)));
    // Act
    const unknownStates = statesNamedInProse(prose).filter((name) => !names.has(name));
    const problems = readmeProblems({ ...training, committed: prose, generated: prose, unknownStates });
    // Assess
    expect(unknownStates).toEqual(['SubjectAccepted']);
    expect(problems).toEqual([
      'state-machines/training/README.md names states the training definition does not have: SubjectAccepted',
    ]);
  });

  test('only the text between the markers is replaced, and a README without them is refused', () => {
    // Prepare
    const readme = `# Title\n\nprose before\n\n${BEGIN_MARKER}\nold\n${END_MARKER}\n\nprose after\n`;
    // Act
    const replaced = replaceGeneratedSection(readme, 'new', 'README.md');
    // Assess
    expect(replaced).toBe(`# Title\n\nprose before\n\n${BEGIN_MARKER}\nnew\n${END_MARKER}\n\nprose after\n`);
    expect(() => replaceGeneratedSection('# Title\n', 'new', 'some/README.md')).toThrow(MissingMarkersError);
    expect(() => replaceGeneratedSection('# Title\n', 'new', 'some/README.md')).toThrow(/some\/README\.md/);
  });

  test('firstDifference gives the 1-based line and both versions of it', () => {
    // Prepare
    const committed = 'a\nb\nc';
    // Act
    const changed = firstDifference(committed, 'a\nB\nc');
    const longer = firstDifference(committed, 'a\nb\nc\nd');
    // Assess
    expect(firstDifference(committed, committed)).toBeUndefined();
    expect(changed).toEqual({ line: 2, committed: 'b', generated: 'B' });
    expect(longer).toEqual({ line: 4, committed: undefined, generated: 'd' });
  });

  test('durations read as people say them', () => {
    // Prepare
    const seconds = [259_200, 86_400, 7200, 300, 45];
    // Act
    const read = seconds.map(humanDuration);
    // Assess
    expect(read).toEqual(['3 days', '1 day', '2 hours', '5 minutes', '45 seconds']);
  });
});
