package io.nlistream.schemas.validation;

import java.util.List;
import java.util.stream.Collectors;

/** A document that breaks the contract; the message lists every broken rule, one per field. */
public class ContractViolationException extends RuntimeException {
    private final ContractSchema schema;
    private final List<Violation> violations;

    public ContractViolationException(ContractSchema schema, List<Violation> violations) {
        super("not a valid " + schema.fileName().replace(".schema.json", "") + ": "
                + violations.stream().map(Violation::message).collect(Collectors.joining("; ")));
        this.schema = schema;
        this.violations = List.copyOf(violations);
    }

    public ContractSchema schema() {
        return schema;
    }

    public List<Violation> violations() {
        return violations;
    }
}
