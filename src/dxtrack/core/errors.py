"""The one error type for bad input: it always says where (file, row, column) and what (value)."""

from __future__ import annotations


class DataError(ValueError):
    """A problem in an input file, located precisely enough to fix by hand.

    `row` counts as a spreadsheet does: the header is row 1, the first data row is row 2.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
        hint: str | None = None,
    ):
        self.message, self.file, self.row, self.column, self.value, self.hint = (
            message,
            file,
            row,
            column,
            value,
            hint,
        )
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(f"file {self.file}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        if self.value is not None:
            where.append(f"value {self.value!r}")
        text = f"{', '.join(where)}: {self.message}" if where else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class DataErrors(DataError):
    """Several DataErrors found in one pass, reported together so a user fixes them all at once."""

    def __init__(self, errors: list[DataError]):
        self.errors = errors
        shown = "\n  ".join(str(e) for e in errors[:20])
        more = f"\n  … and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} problem(s) in the input:\n  {shown}{more}")

    def __str__(self) -> str:
        return self.message


def location(file: str | None, row: int | None, column: str | None) -> dict:
    """file/row/column keywords for a DataError (bind file and row once per row: partial(location, file, row))."""
    return {"file": file, "row": row, "column": column}
