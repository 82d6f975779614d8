import { inputClass } from "./styles";

type Option = { value: string; label: string };

type FieldProps = {
  label: string;
  name: string;
  /** Prefix for the element ids, so a page can hold several forms with the same field names. */
  idPrefix?: string;
  type?: string;
  defaultValue?: string;
  errors?: string[];
  hint?: React.ReactNode;
  options?: Option[];
} & Omit<React.InputHTMLAttributes<HTMLInputElement>, "name" | "type" | "defaultValue">;

/** A labelled input (or select) with its hint and its errors beside it, wired for screen readers. */
export function Field({ label, name, idPrefix, type = "text", defaultValue, errors, hint, options, className, ...rest }: FieldProps) {
  const id = `${idPrefix ?? "field"}-${name}`;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = errors?.length ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  const shared = {
    id,
    name,
    "aria-invalid": errors?.length ? true : undefined,
    "aria-describedby": describedBy,
  };
  return (
    <div className={className}>
      <label htmlFor={id} className="mb-1.5 block text-sm font-medium text-slate-700 dark:text-slate-200">
        {label}
      </label>
      {options ? (
        <select {...shared} defaultValue={defaultValue} className={inputClass} disabled={rest.disabled} required={rest.required}>
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      ) : (
        <input {...shared} type={type} defaultValue={defaultValue} className={inputClass} {...rest} />
      )}
      {hint ? (
        <p id={hintId} className="mt-1.5 text-xs text-slate-500 dark:text-slate-400">
          {hint}
        </p>
      ) : null}
      {errorId ? (
        <p id={errorId} className="mt-1.5 text-xs font-medium text-red-600 dark:text-red-400">
          {errors!.join(" ")}
        </p>
      ) : null}
    </div>
  );
}
