package io.vessel.billing.api;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noCodeUnits;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noFields;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.math.BigDecimal;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Billing's arithmetic is exact: no field, parameter or result of the billing bundle is a {@code double} or
 * {@code float}, and nothing turns a {@link BigDecimal} into one or makes one from one. (Bytecode does not show a
 * local variable's type to ArchUnit; these rules catch every way such a value enters or leaves a class.)
 */
class MoneyIsExactTest {

    private static final Set<String> BINARY = Set.of("double", "float", Double.class.getName(), Float.class.getName());
    private static final DescribedPredicate<JavaClass> BINARY_FLOATING_POINT = DescribedPredicate.describe("double or float",
            type -> BINARY.contains(type.getName()));

    private final JavaClasses billing = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.vessel.billing");

    @Test
    void noFieldHoldsADoubleOrFloat() {
        noFields().should().haveRawType(BINARY_FLOATING_POINT).because("money must be exact: BigDecimal only").check(billing);
    }

    @Test
    void noMethodTakesOrReturnsADoubleOrFloat() {
        noCodeUnits().should(com.tngtech.archunit.lang.conditions.ArchConditions.have(DescribedPredicate.describe(
                "a double or float parameter or result", (JavaCodeUnit unit) -> BINARY.contains(unit.getRawReturnType().getName())
                        || unit.getRawParameterTypes().stream().anyMatch(p -> BINARY.contains(p.getName())))))
                .because("money must be exact: BigDecimal only").check(billing);
    }

    @Test
    void noBigDecimalIsTurnedIntoOrMadeFromADoubleOrFloat() {
        noClasses().should().callMethod(BigDecimal.class, "doubleValue").orShould().callMethod(BigDecimal.class, "floatValue")
                .orShould().callMethod(BigDecimal.class, "valueOf", double.class).orShould().callConstructor(BigDecimal.class, double.class)
                .orShould().dependOnClassesThat().belongToAnyOf(Double.class, Float.class)
                .because("money must be exact: BigDecimal only").check(billing);
    }
}
